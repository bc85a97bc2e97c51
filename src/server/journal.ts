// Lines for the operator: stdout in daemon mode. Under systemd stdout is a
// stream to journald, named by JOURNAL_STREAM (`DEV:INODE` of that stream,
// sd-daemon(3)): each line then starts with its syslog priority, `<4>` for a
// warning, so `journalctl -p warning` finds it, and carries no timestamp of
// its own (journald stamps every line). On a terminal or in a plain file
// (stdout redirected by a script) each line starts with a UTC timestamp.
import { fstatSync } from "node:fs";
import { type Priority, SYSLOG_LEVEL } from "../shared/priority.ts";
import { formatIsoMicros, wallClock } from "../shared/timestamp.ts";

export type Journal = (priority: Priority, text: string) => void;

/** Is file descriptor `fd` the journal stream `named` (JOURNAL_STREAM's value) names? (A child of the service inherits the variable, not the stream.) */
export function isJournalStream(fd: number, journalStream: string | undefined): boolean {
  const named = /^(\d+):(\d+)$/.exec(journalStream ?? "");
  if (!named) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(named[1] as string) && st.ino === BigInt(named[2] as string);
  } catch {
    return false;
  }
}

/**
 * One entry as written: `<N>text` for the journal, `STAMP text` elsewhere.
 * An embedded newline would start an entry of its own without a priority
 * (journald would rank it info): each line of the text gets the prefix.
 */
export function journalEntry(priority: Priority, text: string, toJournal: boolean, now: number): string {
  const prefix = toJournal ? `<${SYSLOG_LEVEL[priority]}>` : `${formatIsoMicros(now).slice(0, 23)} `;
  return `${prefix}${text.replaceAll("\n", `\n${prefix}`)}\n`;
}

/** A journal writing to `write`, in the journal's form or with timestamps. */
export function createJournal(write: (entry: string) => void, toJournal: boolean, clock: () => number = wallClock): Journal {
  return (priority, text) => write(journalEntry(priority, text, toJournal, clock()));
}

/** Set once stdout is gone (its reader closed the pipe): the server goes on without a journal rather than die of EPIPE. */
let stdoutGone = false;
/** Writes in the order they were made. */
let written: Promise<unknown> = Promise.resolve();

/**
 * Through Bun.write, not process.stdout: creating that stream loads
 * node:stream and its kin, megabytes resident in a server that has no
 * other use for them (bench/idle.ts).
 */
function writeStdout(entry: string): void {
  if (stdoutGone) return;
  written = written
    .then(() => Bun.write(Bun.stdout, entry))
    .catch(() => {
      stdoutGone = true;
    });
}

/** The daemon's journal on stdout: in the journal's form when stdout is journald's stream (isJournalStream(1, ...)). */
export const stdoutJournal = (toJournal: boolean): Journal => createJournal(writeStdout, toJournal);

/** Resolves once every journal line so far is written (before the process exits). */
export const journalFlushed = (): Promise<unknown> => written;
