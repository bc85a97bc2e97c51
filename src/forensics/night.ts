// What `isis log` does once its arguments are understood: find the files,
// stream them through the parser, and summarise or filter.
import { stat } from "node:fs/promises";
import { logDateKey, logFileName } from "../log/log-name.ts";
import { type Entry, parseEntry } from "./entry.ts";
import { follow } from "./follow.ts";
import { type GrepFilter, matches } from "./grep.ts";
import { filesBetween, nightWindow } from "./range.ts";
import { readLines } from "./read-lines.ts";
import { NightReplay } from "./replay.ts";
import type { FileRead, Summary } from "./summary.ts";

export interface LogQuery {
  /** ServerLog: files are ROOT.CCYYMMDD.log. */
  readonly root: string;
  /** LogDate UTC: files are dated by UTC day, not by observing day. */
  readonly utc: boolean;
  readonly serverId: string;
  readonly staleAfterMs: number;
  readonly commandTimeoutMs: number;
  /** An observing day (CCYYMMDD): its one file. */
  readonly night?: string;
  readonly since?: number;
  readonly until?: number;
  readonly now: number;
}

export interface Selection {
  readonly files: readonly string[];
  /** The end of the range: what "silent since", "late" and "open" are measured against. */
  readonly end: number;
  /** The observing day whose file is read when no time is given: the current one. */
  readonly night: string | undefined;
}

/** The files a query reads, oldest first. Without --night or --since: the current observing day's. */
export async function selectFiles(q: LogQuery): Promise<Selection> {
  const night = q.night ?? (q.since === undefined && q.until === undefined ? logDateKey(q.now, q.utc) : undefined);
  if (night !== undefined) {
    const window = nightWindow(night, q.utc);
    return { files: [logFileName(q.root, night)], end: Math.min(q.now, q.until ?? window.end), night };
  }
  const until = Math.min(q.until ?? q.now, q.now);
  return { files: await filesBetween(q.root, q.since, until, q.utc), end: until, night: undefined };
}

/** A missing file, as the one line to print; undefined when all are there. */
export async function missingFile(files: readonly string[]): Promise<string | undefined> {
  for (const path of files) {
    const info = await stat(path).catch(() => undefined);
    if (!info) return path;
  }
  return undefined;
}

export async function summarize(q: LogQuery, selection: Selection): Promise<Summary> {
  const replay = new NightReplay({
    serverId: q.serverId,
    staleAfterMs: q.staleAfterMs,
    commandTimeoutMs: q.commandTimeoutMs,
    since: q.since,
    until: q.until,
    night: selection.night,
  });
  const read: FileRead[] = [];
  for (const path of selection.files) {
    const info = await stat(path).catch(() => undefined);
    const result = await readLines(path, (line) => replay.add(parseEntry(line)));
    read.push({ path, bytes: info?.size ?? 0, lines: result.lines });
  }
  return replay.finish(read, selection.end);
}

export interface GrepRun {
  readonly filter: GrepFilter;
  /** Keep reading the live file as it grows, across the rollover, until the signal aborts. */
  readonly follow: boolean;
  readonly signal: AbortSignal;
  readonly clock?: () => number;
  readonly pollMs?: number;
}

/** Hand every matching entry to `out`, in the order written: the selected files, then (following) what is written next. */
export async function grep(q: LogQuery, selection: Selection, run: GrepRun, out: (entry: Entry) => void): Promise<number> {
  let matched = 0;
  const onLine = (line: string) => {
    const entry = parseEntry(line);
    if (!matches(entry, run.filter)) return;
    matched++;
    out(entry);
  };
  let liveOffset = 0;
  const liveKey = logDateKey(q.now, q.utc);
  for (const path of selection.files) {
    if (run.signal.aborted) return matched;
    const live = path === logFileName(q.root, liveKey);
    // The live file's last line may be half written: it is read whole once it is.
    const result = await readLines(path, onLine, { final: !(run.follow && live), signal: run.signal });
    if (live) liveOffset = result.offset;
  }
  if (!run.follow) return matched;
  if (!selection.files.includes(logFileName(q.root, liveKey))) {
    // Nothing of the live file read yet: start at its end, as `tail -f` does.
    liveOffset = (await stat(logFileName(q.root, liveKey)).catch(() => undefined))?.size ?? 0;
  }
  await follow({ root: q.root, utc: q.utc, from: { key: liveKey, offset: liveOffset }, signal: run.signal, clock: run.clock, pollMs: run.pollMs }, onLine);
  return matched;
}
