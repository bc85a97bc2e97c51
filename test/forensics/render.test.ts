// The report for a person: the same text with or without colour, every section, readable spans.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { parseEntry } from "../../src/forensics/entry.ts";
import { formatLine } from "../../src/forensics/grep.ts";
import { readLines } from "../../src/forensics/read-lines.ts";
import { renderSummary, span, styleFor } from "../../src/forensics/render.ts";
import { NightReplay } from "../../src/forensics/replay.ts";

async function cNight() {
  const replay = new NightReplay({ serverId: "IS", staleAfterMs: 120_000, commandTimeoutMs: 120_000 });
  const path = join(import.meta.dir, "../fixtures/c-server-runtime-log.txt");
  const read = await readLines(path, (line) => replay.add(parseEntry(line)));
  return replay.finish([{ path, bytes: 1234, lines: read.lines }], Date.parse("2009-10-06T00:01:00Z"));
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

test("colour only on a terminal without NO_COLOR; the words are the same either way", async () => {
  expect(styleFor(true, {})).toEqual({ color: true });
  expect(styleFor(true, { NO_COLOR: "1" })).toEqual({ color: false });
  expect(styleFor(false, {})).toEqual({ color: false });
  const summary = await cNight();
  const coloured = renderSummary(summary, { color: true });
  const text = renderSummary(summary, { color: false });
  expect(coloured).toContain("\x1b[");
  expect(text).not.toContain("\x1b");
  expect(plain(coloured)).toBe(text);
  expect(text).toContain("  10-06 00:00:11  stopped            normally\n");
  expect(text).toMatch(/\n {2}M1\.TC {3}tty \/dev\/ttyS0 +10-06 00:00:06 {2}10-06 00:00:07 +3 +0\n/);
  expect(text).toMatch(/\n {2}M1\.TC +TEMP +1 +1 +0 +0 +250\.0 +250\.0 +250\.0\n/);
  // Who stopped answering, and since when.
  expect(text).toContain("\n  M1.IE: 1 unanswered (HOME 1); last answer 10-06 00:00:04\n");
});

test("a client's control bytes never reach the terminal as such", () => {
  const e = parseEntry("2025-09-15T14:03:22.123456 A1>B1 \x1b[2J\x07");
  expect(formatLine(e, { color: false })).toBe("2025-09-15T14:03:22.123456 A1>B1 \\x1b[2J\\x07");
  expect(plain(formatLine(e, { color: true }))).toBe("2025-09-15T14:03:22.123456 A1>B1 \\x1b[2J\\x07");
});

test("spans read as a person says them", () => {
  expect([span(0.4), span(95), span(725), span(3 * 3600 + 120), span(2 * 86400 + 4 * 3600)]).toEqual(["0 s", "95 s", "12m05s", "3h02m", "2d04h"]);
});
