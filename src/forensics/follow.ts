// `isis log grep --follow`: the live file's new lines as they are written,
// across the day rollover, like `journalctl -f`. When the date (the server's
// convention, on this machine's clock) moves on, the next day's file joins
// the one being read; the old one is still read for a while, for the last
// entries the server's writer had queued. The server writes a day's entries
// before the next day's, so reading the old file both before and after the
// new one hands lines over in the order they were written.
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { logDateKey, logFileName } from "../log/log-name.ts";
import { readLines } from "./read-lines.ts";

export interface FollowOptions {
  readonly root: string;
  readonly utc: boolean;
  /** Where to start in the live file (its path and offset, usually its end when the past was read). */
  readonly from: { readonly key: string; readonly offset: number };
  readonly signal: AbortSignal;
  readonly clock?: () => number;
  /** How often the files are looked at (ms). */
  readonly pollMs?: number;
  /** How long the previous day's file is still read after the rollover (ms). */
  readonly graceMs?: number;
}

interface Followed {
  readonly key: string;
  readonly path: string;
  offset: number;
  /** When a newer file took over (clock ms). */
  retiredAt: number | undefined;
}

/** Runs until the signal aborts. */
export async function follow(options: FollowOptions, onLine: (line: string) => void): Promise<void> {
  const clock = options.clock ?? Date.now;
  const pollMs = options.pollMs ?? 250;
  const graceMs = options.graceMs ?? 10_000;
  let files: Followed[] = [{ key: options.from.key, path: logFileName(options.root, options.from.key), offset: options.from.offset, retiredAt: undefined }];
  const read = async (f: Followed, sink: (line: string) => void) => {
    // A file that shrank was truncated or replaced (by hand, by logrotate): read it again from its start.
    const size = (await stat(f.path).catch(() => undefined))?.size;
    if (size !== undefined && size < f.offset) f.offset = 0;
    f.offset = (await readLines(f.path, sink, { offset: f.offset, final: false, signal: options.signal })).offset;
  };
  while (!options.signal.aborted) {
    const now = clock();
    const key = logDateKey(now, options.utc);
    const newest = files.at(-1) as Followed;
    if (key !== newest.key) {
      newest.retiredAt = now;
      files.push({ key, path: logFileName(options.root, key), offset: 0, retiredAt: undefined });
    }
    const live = files.at(-1) as Followed;
    const older = files.slice(0, -1);
    for (const f of older) await read(f, onLine);
    const held: string[] = [];
    await read(live, (line) => held.push(line));
    for (const f of older) await read(f, onLine);
    for (const line of held) onLine(line);
    files = files.filter((f) => f.retiredAt === undefined || now - f.retiredAt < graceMs);
    await sleep(pollMs, undefined, { signal: options.signal }).catch(() => {});
  }
}
