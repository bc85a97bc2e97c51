// The two ways the monitor shows what it knows. On a terminal: the alternate
// screen, redrawn in place at most ten times a second, keys read raw (q,
// Ctrl+C, Ctrl+D quit). Otherwise: one line per message on stdout, notices
// on stderr, so that stdout can be piped into grep or a file.

import { renderScreen, trafficLine, type ViewFacts } from "./render.ts";
import type { Change, MonitorState } from "./state.ts";

export interface MonitorOutput {
  /** The state changed (or a second passed, change undefined). */
  update(state: MonitorState, change: Change, facts: Omit<ViewFacts, "rows" | "cols">): void;
  /** Something to tell the operator (lost contact, refused). */
  notice(text: string): void;
  /** Give the terminal back. Idempotent. */
  close(): void;
}

type Out = NodeJS.WriteStream;
type In = NodeJS.ReadStream;

const REDRAW_MS = 100;
const ENTER = "\x1b[?1049h\x1b[?25l";
const LEAVE = "\x1b[?25h\x1b[?1049l";

export class ScreenOutput implements MonitorOutput {
  private last: { state: MonitorState; facts: Omit<ViewFacts, "rows" | "cols"> } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = 0;
  private closed = false;
  private readonly onResize = () => this.draw();
  private readonly onKey = (data: Buffer) => {
    const key = data.toString("latin1");
    if (key === "q" || key === "Q" || key.includes("\x03") || key.includes("\x04")) this.onQuit();
  };
  private notices: string[] = [];

  constructor(
    private readonly out: Out,
    private readonly input: In,
    private readonly err: Out,
    private readonly onQuit: () => void,
  ) {
    out.write(ENTER);
    input.setRawMode?.(true);
    input.on("data", this.onKey);
    input.resume();
    out.on("resize", this.onResize);
  }

  update(state: MonitorState, _change: Change, facts: Omit<ViewFacts, "rows" | "cols">): void {
    this.last = { state, facts };
    const wait = this.lastDraw + REDRAW_MS - Date.now();
    if (wait <= 0) return this.draw();
    this.timer ??= setTimeout(() => this.draw(), wait);
  }

  notice(text: string): void {
    // Once the screen is given back, a notice (why we stopped) goes to stderr.
    if (this.closed) {
      this.err.write(`isis monitor: ${text}\n`);
      return;
    }
    // Shown under the header until the next notice; the header says the link state anyway.
    this.notices = [text];
    this.draw();
  }

  private draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || !this.last) return;
    this.lastDraw = Date.now();
    const rows = this.out.rows ?? 24;
    const cols = this.out.columns ?? 80;
    const lines = renderScreen(this.last.state, { ...this.last.facts, rows, cols });
    if (this.notices.length > 0 && lines.length > 2) lines[2] = (this.notices[0] as string).slice(0, cols);
    // Home, each row cleared to its end, the rest of the screen cleared: no flicker, no scrolling.
    this.out.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}\x1b[J`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.out.off("resize", this.onResize);
    this.input.off("data", this.onKey);
    this.input.setRawMode?.(false);
    this.input.pause();
    this.out.write(LEAVE);
  }
}

/** Missed copies are reported at most this often, not once per gap. */
const LOST_NOTICE_MS = 5000;

export class PlainOutput implements MonitorOutput {
  private lost = 0;
  private lostNoticeAt = 0;

  constructor(
    private readonly out: Out,
    private readonly err: Out,
  ) {}

  update(state: MonitorState, change: Change): void {
    // update() is called once per event, so a traffic change is exactly one new line.
    const newest = state.traffic[state.traffic.length - 1];
    if (change === "traffic" && newest) this.out.write(`${trafficLine(newest)}\n`);
    if (state.lost > this.lost && Date.now() - this.lostNoticeAt >= LOST_NOTICE_MS) {
      this.lostNoticeAt = Date.now();
      this.err.write(`isis monitor: ${state.lost - this.lost} copies missed (lost on the way, or over the server's limit per second)\n`);
      this.lost = state.lost;
    }
  }

  notice(text: string): void {
    this.err.write(`isis monitor: ${text}\n`);
  }

  close(): void {}
}
