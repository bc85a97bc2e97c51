// Timestamps for the runtime log and the journal: UTC, microseconds.

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/** `2025-09-15T14:03:22.123456` (UTC) for a time in ms since the epoch (fractions kept to the µs). */
export function formatIsoMicros(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const micros = microsWithinSecond(ms, second);
  return `${cachedPrefix}.${String(micros).padStart(6, "0")}`;
}

/** The microseconds (0-999999) of `ms` past the start of its second, rounded to the nearest. */
export function microsWithinSecond(ms: number, second: number): number {
  return Math.min(999_999, Math.round((ms - second * 1000) * 1000));
}

let offset = performance.timeOrigin;
/** performance.now() when Date.now() was last consulted. */
let checkedAt = Number.NEGATIVE_INFINITY;

/**
 * Wall-clock time in ms with a microsecond fraction. performance.now() gives
 * the fraction; Date.now() keeps it honest, so a system clock step (NTP,
 * an operator) is followed within a millisecond instead of drifting forever.
 * Date.now() is asked at most once per millisecond: the message path reads
 * the clock for every message, and each of these calls costs ~35 ns.
 */
export function wallClock(): number {
  const mono = performance.now();
  if (mono - checkedAt < 1) return offset + mono;
  checkedAt = mono;
  const wall = Date.now();
  let t = offset + mono;
  if (t < wall - 1 || t > wall + 1) {
    offset = wall - Math.floor(mono);
    t = offset + mono;
  }
  return t;
}
