// A Scheduler whose time moves only when the test says so: units that take a
// Scheduler (preset pinger, flood guard, drop sampler, state-file debounce)
// are tested without sleeping, and so the same on an idle or a loaded machine.
import type { Scheduler, Timer } from "../../src/shared/scheduler.ts";

interface Pending {
  at: number;
  /** Set for an interval: the period. */
  period: number | undefined;
  readonly fn: () => void;
  readonly seq: number;
  cancelled: boolean;
}

export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly timers: Pending[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    return this.add(ms, undefined, fn);
  }

  every(ms: number, fn: () => void): Timer {
    return this.add(ms, Math.max(1, ms), fn);
  }

  /** Timers not yet fired or cancelled (an interval counts until cancelled). */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Move time on by ms, firing every timer that falls due on the way, in
   * order of due time (then of creation), each with now() at its due time.
   * Timers set by a callback fire too if they fall due within the step.
   */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.time = next.at;
      if (next.period === undefined) this.remove(next);
      else next.at += next.period;
      next.fn();
    }
    this.time = end;
  }

  private add(ms: number, period: number | undefined, fn: () => void): Timer {
    // As setTimeout: a delay under 1 ms is 1 ms.
    const timer: Pending = { at: this.time + Math.max(1, ms), period, fn, seq: this.seq++, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => this.remove(timer) };
  }

  private remove(timer: Pending): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.timers.splice(this.timers.indexOf(timer), 1);
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
