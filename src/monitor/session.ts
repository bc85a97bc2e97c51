// One monitor run: subscribe with `MONITOR ON`, renew the subscription before
// its lease lapses (so a monitor that vanishes costs the server nothing after
// a few seconds), answer PINGs like any client, feed what arrives to the
// state and the output, and say goodbye (`MONITOR OFF`) when asked to quit.
import type { Target } from "../client/target.ts";
import { readFeed } from "./feed.ts";
import type { MonitorLink } from "./link.ts";
import type { MonitorOutput } from "./screen.ts";
import { MonitorState } from "./state.ts";

/** Renew well inside the server's 15 s lease; before the first answer, ask every second. */
const RENEW_MS = 5000;
const TICK_MS = 1000;
/** Snapshots come every second: this long without one means the server is not answering. */
const SILENT_MS = 3500;

/** Exit status when the server refused the subscription (an old server, too many monitors). */
const EXIT_REFUSED = 2;

export interface SessionSetup {
  readonly target: Target;
  /** The filter words after `MONITOR ON` ("" for none). */
  readonly filterWords: string;
  /** `node=* type=*`, for the header. */
  readonly filterLabel: string;
  /** Take our name out of the server's host table on the way out (made up for this run, or checked free at the start). */
  readonly removeOnExit: boolean;
  readonly output: MonitorOutput;
  readonly clock: () => number;
}

export class MonitorSession {
  readonly state = new MonitorState();
  private readonly self: string;
  private readonly server: string;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastRenewal = 0;
  private silent = false;
  private finish: (code: number) => void = () => {};
  private finished = false;
  private link: MonitorLink | undefined;

  constructor(private readonly setup: SessionSetup) {
    this.self = setup.target.id.toUpperCase();
    this.server = setup.target.server.toUpperCase();
  }

  /** Runs until quit() or a refusal; resolves to the exit status. */
  run(link: MonitorLink): Promise<number> {
    this.link = link;
    const done = new Promise<number>((resolve) => {
      this.finish = resolve;
    });
    this.subscribe();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    return done;
  }

  /** The datagram handler for the link. */
  receive(raw: string): void {
    if (this.finished) return;
    const now = this.setup.clock();
    const event = readFeed(raw, this.self, this.server);
    if (event.kind === "ping") {
      this.send(event.from, "PONG");
      return;
    }
    const change = this.state.apply(event, now);
    if (event.kind === "refused") {
      this.end(EXIT_REFUSED, `${this.server} refused to be watched: ${event.text}`);
      return;
    }
    if (change) this.setup.output.update(this.state, change, this.facts(now));
  }

  quit(): void {
    this.end(0);
  }

  private tick(): void {
    const now = this.setup.clock();
    const subscribed = this.state.subscribed !== undefined;
    if (!subscribed || now - this.lastRenewal >= RENEW_MS) this.subscribe();
    const silent = subscribed && now - this.state.lastHeard > SILENT_MS;
    if (silent !== this.silent) {
      this.silent = silent;
      this.setup.output.notice(silent ? `no word from ${this.server} for ${SILENT_MS / 1000} s, still trying` : `${this.server} is answering again`);
    }
    this.setup.output.update(this.state, undefined, this.facts(now));
  }

  private subscribe(): void {
    this.lastRenewal = this.setup.clock();
    this.send(this.server, `MONITOR ON${this.setup.filterWords ? ` ${this.setup.filterWords}` : ""}`);
  }

  private facts(now: number) {
    const { target } = this.setup;
    const link = this.state.subscribed === undefined ? "waiting" : this.silent ? "silent" : "watching";
    return {
      title: `${this.server} at ${target.host}:${target.port} as ${this.self}`,
      filter: this.setup.filterLabel,
      link,
      now,
    } as const;
  }

  private send(dest: string, body: string): void {
    this.link?.send(`${this.self}>${dest} ${body}\r`);
  }

  private end(code: number, message?: string): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    if (code === 0) {
      this.send(this.server, "MONITOR OFF");
      if (this.setup.removeOnExit) this.send(this.server, `REMOVE ${this.self}`);
    }
    this.setup.output.close();
    if (message) this.setup.output.notice(message);
    this.finish(code);
  }
}
