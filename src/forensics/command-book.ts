// Commands per destination and command word, as the log shows them: how
// many, how answered, how fast. Latencies go into the same log-scale
// histograms STATS uses, so the two agree. Bounded: beyond MAX_PAIRS the
// rest share one `*` row, whatever an agent invents.
import { isLate, type OpenCommand } from "../core/in-flight.ts";
import { LatencyHistogram, OTHER_WORDS } from "../core/latency.ts";
import type { CommandSummary } from "./summary.ts";

const MAX_PAIRS = 2048;

export interface PairStats {
  readonly dest: string;
  readonly word: string;
  count: number;
  answered: number;
  errors: number;
  late: number;
  lastAnswered: number | undefined;
  readonly latency: LatencyHistogram;
}

export class CommandBook {
  /** By destination, then command word: no key string made per message. */
  private readonly pairs = new Map<string, Map<string, PairStats>>();
  private size = 0;
  private other: PairStats | undefined;

  of(dest: string, word: string): PairStats {
    let byWord = this.pairs.get(dest);
    const known = byWord?.get(word);
    if (known) return known;
    if (this.size >= MAX_PAIRS) {
      this.other ??= newPair(OTHER_WORDS, OTHER_WORDS);
      return this.other;
    }
    const stats = newPair(dest, word);
    if (!byWord) {
      byWord = new Map();
      this.pairs.set(dest, byWord);
    }
    byWord.set(word, stats);
    this.size++;
    return stats;
  }

  /** A final answer to a request of (dest, word); `latencyMs` when the request was seen. */
  answered(dest: string, word: string, error: boolean, at: number, latencyMs: number | undefined, late: boolean): void {
    const s = this.of(dest, word);
    s.answered++;
    if (error) s.errors++;
    if (late) s.late++;
    s.lastAnswered = at;
    if (latencyMs !== undefined) s.latency.record(latencyMs);
  }

  /** Busiest first; `open` are the commands still waiting at `now`. */
  rows(open: readonly OpenCommand[], now: number, timeoutMs: number, stamp: (ms: number) => string): CommandSummary[] {
    const waiting = new Map<PairStats, { open: number; late: number }>();
    for (const c of open) {
      const pair = this.pairs.get(c.target)?.get(c.word) ?? this.other;
      if (!pair) continue;
      const w = waiting.get(pair) ?? { open: 0, late: 0 };
      w.open++;
      if (isLate(c, now, timeoutMs)) w.late++;
      waiting.set(pair, w);
    }
    const all = [...this.pairs.values()].flatMap((byWord) => [...byWord.values()]);
    if (this.other) all.push(this.other);
    return all
      .map((s) => {
        const w = waiting.get(s) ?? { open: 0, late: 0 };
        const h = s.latency;
        return {
          dest: s.dest,
          word: s.word,
          count: s.count,
          answered: s.answered,
          errors: s.errors,
          late: s.late + w.late,
          unanswered: Math.max(0, s.count - s.answered),
          open: w.open,
          p50: h.count > 0 ? round3(h.percentile(0.5)) : null,
          p90: h.count > 0 ? round3(h.percentile(0.9)) : null,
          max: h.count > 0 ? round3(h.max) : null,
          lastAnswered: s.lastAnswered === undefined ? null : stamp(s.lastAnswered),
        };
      })
      .sort((a, b) => b.count - a.count || a.dest.localeCompare(b.dest) || a.word.localeCompare(b.word));
  }
}

const newPair = (dest: string, word: string): PairStats => ({
  dest,
  word,
  count: 0,
  answered: 0,
  errors: 0,
  late: 0,
  lastAnswered: undefined,
  latency: new LatencyHistogram(),
});

export const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
