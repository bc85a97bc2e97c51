// Which log files and which stretch of time `isis log` reads: an observing
// day (`--night`, one file) or `--since`/`--until` (every file whose day
// they touch). Times are UTC, as every stamp in the log. Pure but for the
// directory listing.
import { readdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { logDateKey, logFileName } from "../log/log-name.ts";

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });

/**
 * `--night`: `2025-09-15`, `20250915`, `today` (the observing day now:
 * before local noon that is yesterday's date) or `yesterday` (the one before).
 */
export function parseNight(text: string, now: number, utc: boolean): Parsed<string> {
  const lower = text.toLowerCase();
  if (lower === "today" || lower === "tonight") return ok(logDateKey(now, utc));
  if (lower === "yesterday" || lower === "last") return ok(previousKey(logDateKey(now, utc)));
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m) return bad(`bad night '${text}': give a date as 2025-09-15 (or 20250915, today, yesterday)`);
  const [, y, mo, d] = m;
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return bad(`bad night '${text}': no such date`);
  return ok(`${y}${mo}${d}`);
}

/** The CCYYMMDD before `key`. */
function previousKey(key: string): string {
  const d = new Date(Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)) - 1));
  return d.toISOString().slice(0, 10).replaceAll("-", "");
}

/** The span of an observing day's file: local noon to local noon, or the UTC day with LogDate UTC. */
export function nightWindow(key: string, utc: boolean): { start: number; end: number } {
  const y = Number(key.slice(0, 4));
  const m = Number(key.slice(4, 6)) - 1;
  const d = Number(key.slice(6, 8));
  if (utc) return { start: Date.UTC(y, m, d), end: Date.UTC(y, m, d + 1) };
  return { start: new Date(y, m, d, 12).getTime(), end: new Date(y, m, d + 1, 12).getTime() };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`/`--until`, in UTC like the log's stamps: `2025-09-15T22:00`,
 * `2025-09-15T22:00:05.123456` (a stamp copied from the log), `2025-09-15`
 * (midnight), `22:00` (its last occurrence), `now`, or an age: `90m`,
 * `2h`, `1d` (also `-2h`). A zone (`Z`, `-07:00`) may be given.
 */
export function parseTime(text: string, now: number): Parsed<number> {
  if (text === "now") return ok(now);
  const age = /^-?(\d+(?:\.\d+)?)([smhd])$/.exec(text);
  if (age) return ok(now - Number(age[1]) * (UNITS[age[2] as string] as number));
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (clock) {
    const day = new Date(now);
    const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0));
    if (Number(clock[1]) > 23 || Number(clock[2]) > 59 || Number(clock[3] ?? 0) > 59) return bad(`bad time '${text}'`);
    return ok(at <= now ? at : at - 86_400_000);
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!iso) return bad(`bad time '${text}': give 2025-09-15T22:00 (UTC), 22:00, now, or an age such as 2h`);
  const [, date, time, zone] = iso;
  const ms = Date.parse(`${date}T${time ?? "00:00"}${zone ?? "Z"}`);
  if (Number.isNaN(ms)) return bad(`bad time '${text}'`);
  // Date.parse keeps milliseconds only; a stamp from the log has microseconds.
  const micros = /\.(\d{4,6})/.exec(time ?? "")?.[1];
  return ok(micros ? Math.floor(ms) + (Number(micros.padEnd(6, "0")) % 1000) / 1000 : ms);
}

/** The files of the observing days from `since` to `until` that exist, oldest first. */
export async function filesBetween(root: string, since: number | undefined, until: number, utc: boolean): Promise<string[]> {
  const first = since === undefined ? "00000000" : logDateKey(since, utc);
  const last = logDateKey(until, utc);
  const pattern = new RegExp(`^${escapeRegExp(basename(root))}\\.(\\d{8})\\.log$`);
  const names = await readdir(dirname(root)).catch(() => [] as string[]);
  return names
    .map((name) => pattern.exec(name)?.[1])
    .filter((key): key is string => key !== undefined && key >= first && key <= last)
    .sort()
    .map((key) => logFileName(root, key));
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
