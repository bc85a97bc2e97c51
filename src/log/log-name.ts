// Which file a log entry belongs in. Pure: the clock is an argument.
import { formatLogOpened, LOG_RULE } from "../protocol/log-grammar.ts";

/**
 * CCYYMMDD for the log file of an entry made at `ms`. With `utc` it is the
 * UTC date; otherwise the "observing day": the local date from local noon
 * on, the previous local date before noon, so a whole night's observing
 * stays in one file.
 */
export function logDateKey(ms: number, utc: boolean): string {
  const d = new Date(ms);
  if (utc) return ymd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  if (d.getHours() < 12) {
    // Noon of the previous local day is always on the previous date, DST or not.
    d.setHours(12, 0, 0, 0);
    d.setDate(d.getDate() - 1);
  }
  return ymd(d.getFullYear(), d.getMonth() + 1, d.getDate());
}

/** `ROOT.CCYYMMDD.log` */
export const logFileName = (root: string, dateKey: string): string => `${root}.${dateKey}.log`;

/** The two lines written whenever a log file is (re)opened. */
export const logBanner = (serverId: string, isoTime: string): string => `${LOG_RULE}\n${formatLogOpened(serverId, isoTime)}\n`;

const ymd = (y: number, m: number, d: number): string => `${String(y).padStart(4, "0")}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`;
