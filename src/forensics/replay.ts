// The night replayed from its log: each entry, in file order, updates what
// the server itself knew (its counters, the commands in flight, their
// latencies) and what an engineer asks the morning after (who went silent,
// what failed, did the server restart, who flooded). Memory is bounded
// whatever the log holds: every table here has a cap.
//
// The server writes one message's lines together (the message, what it
// changed, the server's reply or the command's completion), so what became
// of a message is known from the lines after it: it is `pending` until a
// line that is not part of its group arrives.
import { type Completion, isLate } from "../core/in-flight.ts";
import { type BodyInfo, isFinal, isProgress, isRequest } from "../protocol/body-kind.ts";
import {
  CLIENT_ADDED,
  CLIENT_MOVED,
  CLIENT_REACHABLE,
  COMMAND_ENDED,
  FLOOD_CALMED,
  FLOOD_LIFTED,
  FLOOD_LIMITED,
  KERNEL_DROPPED,
  LOG_LOST,
  LOOP_NOT_SENT,
  MALFORMED,
  NOT_DELIVERED_PORT,
  PRESET_OWN_ADDRESS,
  REFUSED_EXEC,
  REFUSED_PINNED,
  SERIAL_CLIENT_ADDED,
  SERIAL_JUNK,
} from "../protocol/log-grammar.ts";
import { isBroadcast } from "../protocol/message.ts";
import { CommandBook, round3 } from "./command-book.ts";
import type { Entry } from "./entry.ts";
import { ClientBook, ErrorBook, EventLog, FloodBook, stampOf, Traffic } from "./facts.ts";
import { numericKeys } from "./keys.ts";
import { LoopBook, LossBook, type LostRequest, lostRequest } from "./loss-book.ts";
import { Run, runSummary } from "./run.ts";
import type { FileRead, Summary } from "./summary.ts";

export interface ReplayOptions {
  /** The server's node name until the log names one (the config's ServerID). */
  serverId: string;
  staleAfterMs: number;
  commandTimeoutMs: number;
  since?: number;
  until?: number;
  night?: string;
}

const MAX_RUNS = 1000;
const MAX_UNKNOWN_SAMPLES = 20;
/** Stamps going back by more than this are a clock step, not jitter. */
const STEP_BACK_MS = 1000;

type Route = "server" | "broadcast" | "client";

interface Pending {
  readonly src: string;
  readonly dest: string;
  readonly body: string;
  readonly info: BodyInfo;
  readonly at: number;
  readonly route: Route;
  /** The server answered it with a routing error: not routed. */
  failed: boolean;
  /** Refused by ExecAllow. */
  refused: boolean;
}

/** The entry before was a loss line: the routed request it quoted, or null. The server's ERROR for it may follow. */
type JustLost = LostRequest | null | undefined;

/** A routed final answer, waiting for the server's completion line that may follow it. */
interface Awaiting {
  readonly requester: string;
  readonly target: string;
  readonly word: string;
  readonly outcome: string;
  readonly at: number;
  readonly done: Completion | undefined;
}

export class NightReplay {
  private serverId: string;
  private readonly staleAfterMs: number;
  private readonly timeoutMs: number;
  private readonly lines = { total: 0, messages: 0, notes: 0, unknown: 0, garbage: 0, opened: 0, skipped: 0 };
  private readonly unknownSamples = new Map<string, number>();
  private first: number | undefined;
  private last: number | undefined;
  private readonly runs: Run[] = [];
  private runsDropped = 0;
  private readonly keys = numericKeys();
  private run: Run = new Run(undefined, null, null, this.keys);
  private readonly book = new CommandBook();
  private readonly clients: ClientBook;
  private readonly errors = new ErrorBook();
  private readonly input = { malformed: 0, oversized: 0, junk: 0, refused: {} as Record<string, number> };
  private readonly flood = new FloodBook();
  private readonly traffic = new Traffic();
  private readonly losses = new LossBook();
  private readonly loops = new LoopBook();
  private readonly hostTable = { evicted: 0, removed: 0 };
  private justLost: JustLost;
  private readonly events = new EventLog();
  private readonly server = { starts: 0, stops: 0, uncleanStops: 0, restarts: 0, restartsRefused: 0 };
  private readonly gaps = { logOff: 0, logLost: 0, clockStepsBack: 0 };
  private pending: Pending | undefined;
  private awaiting: Awaiting | undefined;
  /** The last request to the server, for replies that do not name their command (`ERROR: Unrecognized ...`). */
  private lastServerRequest: { src: string; word: string } | undefined;

  constructor(private readonly options: ReplayOptions) {
    this.serverId = options.serverId;
    this.staleAfterMs = options.staleAfterMs;
    this.timeoutMs = options.commandTimeoutMs;
    this.clients = new ClientBook(options.staleAfterMs);
  }

  add(entry: Entry): void {
    this.lines.total++;
    if (entry.type === "rule") return;
    if (entry.type === "garbage") {
      this.lines.garbage++;
      return;
    }
    const at = entry.at;
    if ((this.options.since !== undefined && at < this.options.since) || (this.options.until !== undefined && at > this.options.until)) {
      this.lines.skipped++;
      return;
    }
    if (this.last !== undefined && at < this.last - STEP_BACK_MS) {
      this.gaps.clockStepsBack++;
      this.events.add(at, "clock-stepped-back", `from ${stampOf(this.last)}`);
    }
    this.first ??= at;
    this.last = at;
    const justLost = this.justLost;
    this.justLost = undefined;
    if (this.pending && !this.belongsToPending(entry)) this.settle();
    if (this.awaiting) {
      if (entry.type === "note" && entry.note === COMMAND_ENDED && this.completes(this.awaiting, entry.fields)) {
        this.lines.notes++;
        this.resolveAwaiting(Number(entry.fields.ms));
        return;
      }
      this.resolveAwaiting(undefined);
    }
    // What a run did (not the server's own start-up lines): a run with none of it ended before it began.
    if (entry.type === "message" || (entry.type === "note" && entry.note.kind !== "server" && entry.note.kind !== "log")) this.run.entries++;
    switch (entry.type) {
      case "opened":
        this.lines.opened++;
        this.serverId = entry.serverId;
        return;
      case "unknown":
        this.lines.unknown++;
        if (this.unknownSamples.has(entry.text) || this.unknownSamples.size < MAX_UNKNOWN_SAMPLES) {
          this.unknownSamples.set(entry.text, (this.unknownSamples.get(entry.text) ?? 0) + 1);
        }
        return;
      case "note":
        this.lines.notes++;
        this.note(entry.note.kind, entry.note.event, entry, at);
        return;
      case "message":
        this.lines.messages++;
        if (entry.src === this.serverId) this.fromServer(entry, at, justLost);
        else this.received(entry, at);
        return;
    }
  }

  /**
   * The lines written with a message: what it changed, what became of it
   * (a loop cut, a port that would not take it) and the server's answer to
   * its sender. UDP losses are reported at the end of the server's turn: lines of their own.
   */
  private belongsToPending(entry: Entry): boolean {
    const p = this.pending as Pending;
    if (entry.type === "note") {
      const n = entry.note;
      if (n === CLIENT_ADDED || n === SERIAL_CLIENT_ADDED || n === CLIENT_MOVED || n === CLIENT_REACHABLE) return entry.fields.name === p.src;
      if (n === NOT_DELIVERED_PORT) return entry.fields.name === p.dest || entry.fields.name === p.src;
      return n === LOOP_NOT_SENT || (n === REFUSED_EXEC && entry.fields.name === p.src);
    }
    if (entry.type !== "message" || entry.src !== this.serverId) return false;
    const to = entry.dest;
    // A broadcast the message caused: a stale client is announced alive again.
    return to === p.src || (isBroadcast(to) && entry.info.kind === "STATUS");
  }

  private received(entry: Extract<Entry, { type: "message" }>, at: number): void {
    const { src, dest, body } = entry;
    const info = entry.info;
    this.run.counters.received++;
    this.traffic.add(at);
    this.clients.heard(src, at);
    this.lastServerRequest = undefined;
    if (body === "") return;
    if (info.kind === "ERROR" || info.kind === "FATAL") this.errors.add(src, body, at);
    const route: Route = dest === this.serverId ? "server" : isBroadcast(dest) ? "broadcast" : "client";
    this.pending = { src, dest, body, info, at, route, failed: false, refused: false };
    if (route === "server") this.serverRequest(src, info, body, at, src);
  }

  /** A request to the server, from a client or typed at the console (`by`). */
  private serverRequest(src: string, info: BodyInfo, body: string, at: number, by: string): void {
    if (!isRequest(info.kind) || info.word === "") return;
    const word = info.word;
    if (word === "RESTART") this.events.add(at, "restart-requested", `by ${by}`);
    else if (word === "QUIT" && info.kind === "EXEC") this.events.add(at, "quit-requested", `by ${by}`);
    else if (word === "-LOG") {
      this.gaps.logOff++;
      this.run.complete = false;
      this.events.add(at, "log-off", `by ${by}`);
    } else if (word === "INFLIGHT" && /\bCLEAR\b/i.test(body)) this.run.routes.clear();
    if (src === this.serverId) return;
    this.book.of(this.serverId, word).count++;
    this.run.server.request(src, this.serverId, word, info.kind === "EXEC", at, this.timeoutMs);
    this.lastServerRequest = { src, word };
  }

  /** A line the server wrote as itself: a reply, a broadcast, a console line. */
  private fromServer(entry: Extract<Entry, { type: "message" }>, at: number, justLost: JustLost): void {
    const { dest, body } = entry;
    const info = entry.info;
    if (dest === this.serverId) {
      this.serverRequest(dest, info, body, at, "the console");
      return;
    }
    if (isBroadcast(dest)) return;
    this.run.counters.replied++;
    if (info.kind === "ERROR" || info.kind === "FATAL") this.errors.add(this.serverId, body, at);
    const p = this.pending?.src === dest ? this.pending : undefined;
    if (body.startsWith("ERROR: No Route to Destination Host")) {
      this.run.counters.unknownDestination++;
      if (p) p.failed = true;
      return;
    }
    if (body.startsWith("ERROR: Cannot route to")) {
      // A routed request that came back: the server closed its command with this ERROR.
      if (justLost && justLost.requester === dest && body.startsWith(`ERROR: Cannot route to ${justLost.target} - `)) {
        this.lostRequestClosed(justLost, at);
        return;
      }
      // Not routed (a port down...). The loss line before it counted it; a log without loss lines has only this.
      if (justLost === undefined) this.run.counters.dropped++;
      if (p) p.failed = true;
      return;
    }
    if (info.word === "REMOVE" && body.startsWith("DONE: REMOVE Host ")) {
      const end = body.indexOf(" ", 18);
      const name = end === -1 ? body.slice(18) : body.slice(18, end);
      if (name !== "") this.removedFromTable(name, at, "removed", `REMOVE by ${dest}`);
    }
    // Refused before it was acted on: not routed, and an answer to a request to the server.
    if (p && body.startsWith("ERROR: Server Host Table Full")) p.failed = true;
    if (p && body.startsWith("ERROR: EXEC: not allowed")) p.refused = true;
    if (isFinal(info.kind)) this.serverAnswered(dest, info, at);
  }

  private serverAnswered(to: string, info: BodyInfo, at: number): void {
    const server = this.run.server;
    let done = server.finish(this.serverId, to, info.word, info.kind, at);
    const last = this.lastServerRequest;
    if (!done && last?.src === to) done = server.finish(this.serverId, to, last.word, info.kind, at);
    this.lastServerRequest = undefined;
    if (!done) return;
    const c = done.command;
    const late = this.timeoutMs > 0 && at - c.lastActivity > this.timeoutMs;
    this.book.answered(this.serverId, c.word, info.kind !== "DONE", at, done.latencyMs, late);
  }

  /** What became of the pending message is known: count it as the server did. */
  private settle(): void {
    const p = this.pending as Pending;
    this.pending = undefined;
    if (p.refused || p.route === "server") return;
    const counters = this.run.counters;
    if (p.route === "broadcast") {
      if (!p.failed) counters.broadcast++;
      return;
    }
    const { info } = p;
    if (p.failed) {
      // No route, a port down, a full table: the server answered the request with an error.
      if (isRequest(info.kind) && info.word !== "") {
        this.book.of(p.dest, info.word).count++;
        this.book.answered(p.dest, info.word, true, p.at, undefined, false);
      }
      return;
    }
    counters.routed++;
    if (info.word === "") return;
    const routes = this.run.routes;
    if (isRequest(info.kind)) {
      this.book.of(p.dest, info.word).count++;
      if (routes.request(p.src, p.dest, info.word, info.kind === "EXEC", p.at, this.timeoutMs)) counters.evicted++;
    } else if (isProgress(info.kind)) {
      routes.progress(p.src, p.dest, info.word, p.body, p.at);
    } else if (isFinal(info.kind)) {
      const done = routes.finish(p.src, p.dest, info.word, info.kind, p.at);
      this.awaiting = { requester: p.dest, target: p.src, word: info.word, outcome: info.kind, at: p.at, done };
    }
  }

  /** As the server does (core/losses.ts): the command is closed as answered with an ERROR, with no latency. */
  private lostRequestClosed(lost: LostRequest, at: number): void {
    const done = this.run.routes.finish(lost.target, lost.requester, lost.word, "ERROR", at);
    if (!done) {
      this.run.counters.unmatched++;
      return;
    }
    this.run.counters.completed++;
    this.book.answered(lost.target, lost.word, true, at, undefined, false);
  }

  private removedFromTable(name: string, at: number, how: "evicted" | "removed", detail: string): void {
    this.hostTable[how]++;
    this.clients.removed(name, at, how, detail);
  }

  private completes(a: Awaiting, fields: Readonly<Record<string, string>>): boolean {
    return fields.requester === a.requester && fields.target === a.target && fields.word === a.word;
  }

  /** The routed answer's fate: the server's own latency when its completion line came, else ours. */
  private resolveAwaiting(loggedMs: number | undefined): void {
    const a = this.awaiting as Awaiting;
    this.awaiting = undefined;
    const latency = loggedMs ?? a.done?.latencyMs;
    if (latency === undefined) {
      this.run.counters.unmatched++;
      return;
    }
    const late = a.done !== undefined && this.timeoutMs > 0 && a.at - a.done.command.lastActivity > this.timeoutMs;
    this.completed(a.target, a.word, a.outcome, a.at, latency, late);
  }

  private completed(target: string, word: string, outcome: string, at: number, latencyMs: number, late: boolean): void {
    this.run.counters.completed++;
    this.run.latency.record(word, latencyMs);
    this.book.answered(target, word, outcome !== "DONE", at, latencyMs, late);
  }

  private note(kind: string, event: string, entry: Extract<Entry, { type: "note" }>, at: number): void {
    const f = entry.fields;
    const counters = this.run.counters;
    switch (kind) {
      case "client": {
        const name = f.name as string;
        if (event === "unreachable") return this.clients.unreachable(name, at, f.reason ?? "");
        if (event === "reachable") return this.clients.reachable(name, at, "heard");
        if (event === "evicted") {
          counters.hostsEvicted++;
          return this.removedFromTable(name, at, "evicted", `slot ${f.slot} for ${f.newcomer} (${f.from}): ${f.reason}`);
        }
        if (event === "removed") return this.removedFromTable(name, at, "removed", f.reason ?? "");
        // Events a later server adds are shown by grep; these two move it.
        if (event !== "added" && event !== "moved") return;
        const c = this.clients.get(name);
        if (!c) return;
        this.clients.locate(c, f.address);
        if (event === "added") c.added++;
        else c.moves++;
        return;
      }
      case "hb": {
        counters.received++;
        this.traffic.add(at);
        this.lastServerRequest = undefined;
        const c = this.clients.heard(f.name as string, at);
        if (c) this.clients.locate(c, f.address);
        return;
      }
      case "command":
        // Completions not awaited: their answer was before the range.
        if (entry.note === COMMAND_ENDED) this.completed(f.target as string, f.word as string, f.outcome as string, at, Number(f.ms), false);
        return;
      case "refused": {
        counters.refused++;
        this.input.refused[event] = (this.input.refused[event] ?? 0) + 1;
        // A claim of a pinned name is refused before it is logged as a message; other refusals follow their message.
        if (entry.note === REFUSED_PINNED) {
          counters.received++;
          this.traffic.add(at);
          return;
        }
        const p = this.pending;
        if (p && p.src === f.name) p.refused = true;
        return;
      }
      case "bad":
        if (entry.note === MALFORMED) {
          counters.received++;
          this.traffic.add(at);
          if (f.reason?.startsWith("oversized")) {
            counters.oversized++;
            this.input.oversized++;
          } else if (f.reason?.startsWith("control byte") || f.reason?.startsWith("NUL byte")) {
            // Refused whole for a byte inside it: STATS counts these apart from malformed.
            counters.controlBytes++;
            this.input.malformed++;
          } else {
            counters.malformed++;
            this.input.malformed++;
          }
        } else if (entry.note === SERIAL_JUNK) this.input.junk++;
        return;
      case "flood":
        if (entry.note === FLOOD_LIMITED) this.flood.limited(f.sender as string, at);
        else if (entry.note === FLOOD_CALMED || entry.note === FLOOD_LIFTED) {
          const dropped = Number(f.dropped) || 0;
          counters.flooded += dropped;
          this.flood.calmed(f.sender as string, dropped, at);
        } else if (entry.note === KERNEL_DROPPED) {
          const dropped = Number(f.count) || 0;
          counters.kernelDropped += dropped;
          this.flood.overload(dropped);
        }
        return;
      case "loss": {
        counters.dropped++;
        if (event === "unreachable") counters.unreachable++;
        else if (event === "not-sent") counters.notSent++;
        const p = this.pending;
        if (entry.note === NOT_DELIVERED_PORT && p?.route === "client" && p.dest === f.name) p.failed = true;
        const dest = f.names ?? f.name ?? f.address ?? "?";
        this.losses.add(event, dest, f.address ?? null, f.state ?? f.reason ?? "", at);
        // A UDP datagram came back or was refused: a routed request's sender gets an ERROR next. A port's refusal was never routed.
        this.justLost = event !== "port" && f.text !== undefined ? (lostRequest(f.text, this.serverId) ?? null) : null;
        return;
      }
      case "loop":
        counters.loops++;
        this.loops.add(event, at);
        // Cut on arrival: received (and counted) by the server, but never logged as a message.
        if (entry.note !== LOOP_NOT_SENT) {
          counters.received++;
          this.traffic.add(at);
        }
        return;
      case "preset":
        if (entry.note === PRESET_OWN_ADDRESS)
          this.events.add(at, "warning", `UDPPort ${f.host} ${f.port} is this server's own address and port: never PINGed`);
        return;
      case "server":
        this.serverNote(event, f, at);
        return;
      case "log":
        if (entry.note === LOG_LOST) {
          this.gaps.logLost += Number(f.count) || 0;
          this.run.complete = false;
          this.events.add(at, "log-lost", `${f.count} entries (${f.reason})`);
        }
        return;
    }
  }

  private serverNote(event: string, f: Readonly<Record<string, string>>, at: number): void {
    switch (event) {
      case "started":
        this.startRun(at, f);
        return;
      case "stopped":
        this.server.stops++;
        this.run.end = "stopped";
        this.run.endedAt = at;
        this.run.stopReason = f.reason ?? "normally";
        this.events.add(at, "stopped", f.reason ?? "normally");
        return;
      case "restarted":
        this.server.restarts++;
        this.events.add(at, "restarted", f.rcFile ? `configuration reloaded from ${f.rcFile}` : "warm start");
        return;
      case "restart-refused":
        this.server.restartsRefused++;
        this.events.add(at, "restart-refused", f.reason ?? "");
        return;
      case "error":
      case "warning":
        this.events.add(at, event, f.text ?? "");
        return;
    }
  }

  private startRun(at: number, f: Readonly<Record<string, string>>): void {
    const previous = this.run;
    const seen = previous.startedAt !== undefined || previous.entries > 0;
    if (previous.end === "running" && seen) {
      previous.end = "unclean";
      this.server.uncleanStops++;
      this.events.add(
        at,
        "unclean-stop",
        `the previous run${previous.startedAt ? ` (started ${stampOf(previous.startedAt)})` : ""} ended without a shutdown line`,
      );
    }
    if (seen) this.keep(previous);
    if (f.id) this.serverId = f.id;
    this.server.starts++;
    this.clients.serverStarted(at);
    this.run = new Run(at, f.version ?? null, f.port ?? null, this.keys);
    this.events.add(at, "started", `as ${this.serverId} on port ${f.port}${f.version ? `, isis ${f.version}` : ""}`);
  }

  private keep(run: Run): void {
    this.runs.push(run);
    if (this.runs.length > MAX_RUNS) {
      this.runs.shift();
      this.runsDropped++;
    }
  }

  /** The summary as of `now` (the end of the range, or the present for a live log). */
  finish(files: readonly FileRead[], now: number): Summary {
    if (this.pending) this.settle();
    if (this.awaiting) this.resolveAwaiting(undefined);
    const end = Math.min(now, this.options.until ?? Number.POSITIVE_INFINITY);
    const run = this.run;
    if (run.startedAt !== undefined || run.entries > 0) this.keep(run);
    // INFLIGHT and STATS count commands routed between clients; the table also shows those to the server.
    // A server that stopped forgot its open commands: they stay unanswered, no longer open.
    const stopped = run.end === "stopped";
    const routed = stopped ? [] : run.routes.list();
    const toServer = stopped ? [] : run.server.list();
    run.counters.inFlight = routed.length;
    run.counters.late = routed.filter((c) => isLate(c, end, this.timeoutMs)).length;
    const staleAfterMs = this.staleAfterMs;
    return {
      version: 1,
      serverId: this.serverId,
      range: {
        night: this.options.night ?? null,
        since: this.options.since === undefined ? null : stampOf(this.options.since),
        until: this.options.until === undefined ? null : stampOf(this.options.until),
        files,
      },
      first: this.first === undefined ? null : stampOf(this.first),
      last: this.last === undefined ? null : stampOf(this.last),
      settings: { staleAfter: staleAfterMs / 1000, commandTimeout: this.timeoutMs / 1000 },
      lines: { ...this.lines },
      unknown: [...this.unknownSamples].map(([text, count]) => ({ text, count })),
      server: { ...this.server, events: this.events.list, eventsOmitted: this.events.omitted },
      runs: this.runs.map(runSummary),
      runsOmitted: this.runsDropped,
      clients: this.clients.summaries(end),
      commands: this.book.rows([...routed, ...toServer], end, this.timeoutMs, stampOf),
      errors: this.errors.top(10),
      errorsTotal: this.errors.total,
      input: {
        ...this.input,
        flood: {
          episodes: this.flood.episodes,
          dropped: this.flood.dropped,
          senders: this.flood.summaries(),
          overloads: this.flood.overloads,
          kernelDropped: this.flood.kernelDropped,
        },
      },
      losses: this.losses.summary(),
      loops: this.loops.summary(),
      hostTable: { ...this.hostTable },
      traffic: this.traffic.series(),
      inFlightAtEnd: {
        open: routed.length,
        late: run.counters.late,
        commands: routed.map((c) => ({
          requester: c.requester,
          target: c.target,
          word: c.word,
          sentAt: stampOf(c.sentAt),
          age: round3((end - c.sentAt) / 1000),
          late: isLate(c, end, this.timeoutMs),
        })),
      },
      gaps: { ...this.gaps },
    };
  }
}
