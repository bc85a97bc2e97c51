// The journal's two forms: sd-daemon(3) priority prefixes when stdout is the
// stream JOURNAL_STREAM names, timestamps everywhere else.
import { afterEach, expect, test } from "bun:test";
import { closeSync, fstatSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createJournal, isJournalStream, journalEntry } from "../../src/server/journal.ts";
import { makeTempDir } from "../helpers/server.ts";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

function openFile(): { fd: number; named: string } {
  const dir = makeTempDir("isis-journal-");
  const fd = openSync(join(dir, "out"), "w");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => closeSync(fd));
  const st = fstatSync(fd);
  return { fd, named: `${st.dev}:${st.ino}` };
}

test("a descriptor is the journal's stream only when JOURNAL_STREAM names its device and inode", () => {
  const a = openFile();
  const b = openFile();
  expect(isJournalStream(a.fd, a.named)).toBe(true);
  // A child of the service inherits the variable but writes elsewhere: plain lines.
  expect(isJournalStream(b.fd, a.named)).toBe(false);
  expect(isJournalStream(a.fd, undefined)).toBe(false);
  expect(isJournalStream(a.fd, `${a.named}x`)).toBe(false);
  expect(isJournalStream(a.fd, "")).toBe(false);
});

test("to the journal each priority is its syslog level and there is no timestamp", () => {
  const at = Date.parse("2025-09-15T14:03:22.123Z");
  expect(journalEntry("error", "cannot write runtime log", true, at)).toBe("<3>cannot write runtime log\n");
  expect(journalEntry("warning", "Unknown keyword", true, at)).toBe("<4>Unknown keyword\n");
  expect(journalEntry("notice", "warm restart", true, at)).toBe("<5>warm restart\n");
  expect(journalEntry("info", "cold start done", true, at)).toBe("<6>cold start done\n");
});

test("elsewhere a line starts with its UTC time to the millisecond, as before", () => {
  const at = Date.parse("2025-09-15T14:03:22.123Z");
  expect(journalEntry("warning", "Unknown keyword", false, at)).toBe("2025-09-15T14:03:22.123 Unknown keyword\n");
});

test("every line of a text that spans lines carries the priority, so none is ranked info by default", () => {
  const written: string[] = [];
  const journal = createJournal(
    (entry) => written.push(entry),
    true,
    () => 0,
  );
  journal("warning", "first\nsecond");
  expect(written).toEqual(["<4>first\n<4>second\n"]);
});
