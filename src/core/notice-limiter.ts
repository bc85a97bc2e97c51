// Keeps the journal readable under attack: a notice of one kind (a refused
// EXEC:, a spoofed pinned name) is passed at most once per interval, and the
// next one that passes says how many were held back meanwhile. The runtime
// log still gets every event; only the operator's journal is spared.

export class NoticeLimiter {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly clock: () => number,
    private readonly intervalMs = 60_000,
    /** Kinds tracked at once; keys are few (config pins, "exec"), this only guards against misuse. */
    private readonly maxKeys = 256,
  ) {}

  /** The notice to print for `key` now, with the held-back count appended, or undefined to hold it back. */
  pass(key: string, text: string): string | undefined {
    const now = this.clock();
    const seen = this.last.get(key);
    // A clock that jumped backwards must not hold notices back for good.
    if (seen && now >= seen.at && now - seen.at < this.intervalMs) {
      seen.held++;
      return undefined;
    }
    if (!seen && this.last.size >= this.maxKeys) this.last.clear();
    this.last.set(key, { at: now, held: 0 });
    const held = seen?.held ?? 0;
    return held > 0 ? `${text} (${held} more like it since the last notice)` : text;
  }
}
