// One timer for the server's housekeeping that depends on time passing
// rather than on a message (stale clients, late commands, monitor
// snapshots, the systemd status line), armed only for when there is
// something to do: `run` does the work and says how long until it is next
// needed, or that nothing is. An idle server is not woken. Something that
// changes the picture sooner (a client came, a stale one spoke) pokes it.
import type { Scheduler, Timer } from "../shared/scheduler.ts";

/** A poke runs the work this soon, so a burst of changes is one run. */
const SOON_MS = 50;
/** setTimeout fires at once past 2^31 ms; a far-off deadline is looked at again within the hour instead. */
const MAX_DELAY_MS = 3_600_000;

export class Ticker {
  private timer: Timer | undefined;
  /** When the armed timer fires (scheduler time). */
  private dueAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** Times the work ran (tests and the idle benchmark read it). */
  runs = 0;

  constructor(
    private readonly scheduler: Scheduler,
    /** Do what is due; return the ms until it is next due, or undefined for never. */
    private readonly run: () => number | undefined,
  ) {}

  /** Run now, and from then on when due. */
  start(): void {
    this.fire();
  }

  /** Something changed: run soon (unless a run is due sooner anyway). */
  poke(): void {
    this.arm(SOON_MS);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    const delay = Math.min(Math.max(0, delayMs), MAX_DELAY_MS);
    const at = this.scheduler.now() + delay;
    if (this.timer && this.dueAt <= at) return;
    this.timer?.cancel();
    this.dueAt = at;
    this.timer = this.scheduler.after(delay, () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    this.runs++;
    const next = this.run();
    if (next !== undefined) this.arm(next);
  }
}
