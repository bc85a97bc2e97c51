// Time for the units whose behaviour depends on it (preset re-PINGs, the flood
// guard's buckets, the drop sampler, the state file's debounce): they take a
// Scheduler instead of calling performance.now() and setTimeout themselves,
// so tests drive them with a manual clock instead of sleeping. Below every
// layer: transport and server both use it.

/** A pending timer; cancel() is safe to call more than once, and after it fired. */
export interface Timer {
  cancel(): void;
}

export interface Scheduler {
  /** Monotonic milliseconds (not wall-clock time: a clock step does not move it). */
  now(): number;
  /** Call fn once, ms from now. */
  after(ms: number, fn: () => void): Timer;
  /** Call fn every ms from now on, until cancelled. */
  every(ms: number, fn: () => void): Timer;
}

/** The event loop's timers. They never keep the process alive on their own: a server that is done exits. */
export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
};
