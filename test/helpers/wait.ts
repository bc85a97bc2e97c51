// The one way tests wait: until a condition holds, checked again whenever
// something it depends on changes (an event) or, for state only a poll can
// see (a tmux screen, a pty, a file), every few milliseconds. It fails with
// what was awaited and what was seen instead; it never sleeps a fixed time.
import { readFileSync } from "node:fs";

/** Something that changes; waiters check their condition again on each notify(). */
export class Changes {
  private readonly wakers = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /**
   * Watch from now on: `changed` resolves at the next notify() after this
   * call, or after ms; cancel() stops watching (and resolves it) at once.
   */
  watch(ms: number): { readonly changed: Promise<void>; cancel(): void } {
    let done = () => {};
    const changed = new Promise<void>((resolve) => {
      done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
    });
    const timer = setTimeout(done, ms);
    this.wakers.add(done);
    return { changed, cancel: done };
  }
}

export interface WaitOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Check again when this notifies; without it the condition is polled. */
  on?: Changes;
  /** How often to poll without `on`. Default 10 ms. */
  pollMs?: number;
  /** What was seen instead, for the error message. */
  seen?: () => string;
}

type Found<T> = T | undefined | null | false;

/**
 * Wait until check() returns a value (anything but undefined, null or false)
 * and return it. Checked at once, then on every change (or poll), and a last
 * time at the deadline, so a slow machine fails only when the thing never came.
 * check() may be async (ask the server again): it is then polled.
 */
export async function waitUntil<T>(what: string, check: () => Found<T> | Promise<Found<T>>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // Watched before the check, so a change while check() runs (it may be async) is not missed.
    const watch = options.on?.watch(Math.max(0, deadline - performance.now()));
    const found = await check();
    if (found !== undefined && found !== null && found !== false) {
      watch?.cancel();
      return found;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      watch?.cancel();
      const seen = options.seen ? `; ${options.seen()}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await (watch ? watch.changed : Bun.sleep(Math.min(left, options.pollMs ?? 10)));
  }
}

/** A file's text, or "" while it does not exist yet: for conditions on a file being written (a log, a state file). */
export function textOf(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
