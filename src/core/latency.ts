// Command latency percentiles in fixed memory: one log-scale histogram per
// command word (buckets 2^(1/8) ≈ 9% wide, from 10 µs to about 1.5 hours),
// at most MAX_WORDS words; further words share one "*" histogram, so an agent
// inventing command words cannot grow the server.

const BUCKETS_PER_OCTAVE = 8;
const OCTAVES = 29;
const MIN_MS = 0.01;
const BUCKETS = BUCKETS_PER_OCTAVE * OCTAVES + 1;
export const MAX_WORDS = 64;
export const OTHER_WORDS = "*";

export class LatencyHistogram {
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  private readonly buckets = new Uint32Array(BUCKETS);

  record(ms: number): void {
    const value = Math.max(ms, 0);
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const bucket = bucketOf(value);
    this.buckets[bucket] = (this.buckets[bucket] ?? 0) + 1;
  }

  /** The latency below which a fraction p (0..1) of the samples fall, within a bucket's width. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i] ?? 0;
      // The last bucket also holds everything beyond the range: only max is true of it.
      if (seen >= rank) return i === BUCKETS - 1 ? this.max : Math.min(this.max, Math.max(this.min, upperEdge(i)));
    }
    return this.max;
  }
}

function bucketOf(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const i = Math.ceil(Math.log2(ms / MIN_MS) * BUCKETS_PER_OCTAVE);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

const upperEdge = (i: number): number => MIN_MS * 2 ** (i / BUCKETS_PER_OCTAVE);

export interface LatencySummary {
  readonly word: string;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export class LatencyBook {
  private readonly byWord = new Map<string, LatencyHistogram>();

  record(word: string, ms: number): void {
    let histogram = this.byWord.get(word);
    if (!histogram) {
      const key = this.byWord.size >= MAX_WORDS ? OTHER_WORDS : word;
      histogram = this.byWord.get(key) ?? new LatencyHistogram();
      this.byWord.set(key, histogram);
    }
    histogram.record(ms);
  }

  /** Busiest command words first, then alphabetical. */
  summaries(): LatencySummary[] {
    return [...this.byWord]
      .map(([word, h]) => ({ word, count: h.count, p50: h.percentile(0.5), p90: h.percentile(0.9), p99: h.percentile(0.99), max: h.max }))
      .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  }
}

/**
 * `ms.toFixed(3)`, for the latency logged with every completed command:
 * integer arithmetic costs a fraction of toFixed's. Agrees with it to the
 * last digit except exactly at a half microsecond (float noise decides there).
 */
export function millisText(ms: number): string {
  if (!(ms >= 0 && ms < 1e9)) return ms.toFixed(3);
  const micros = Math.round(ms * 1000);
  const frac = micros % 1000;
  return `${(micros - frac) / 1000}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}`;
}
