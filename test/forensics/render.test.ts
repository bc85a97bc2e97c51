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

test("when a client stopped answering, what was not delivered and why, loops and the table healing: each said in the report", () => {
  const replay = new NightReplay({ serverId: "IS", staleAfterMs: 120_000, commandTimeoutMs: 120_000 });
  for (const line of [
    "2025-09-15T22:00:00.000000 Server started as host IS on port 6600, isis 4.0.0, rcFile=/x.ini",
    "2025-09-15T22:00:01.000000 M1.IE>IS PING",
    "2025-09-15T22:14:03.000000 Client M1.IE (127.0.0.1:10701) is unreachable: port unreachable",
    "2025-09-15T22:14:03.000000 Not delivered to 127.0.0.1:10701 (M1.IE): port unreachable: 'IPC1>M1.IE filter 2\\x0d'",
    "2025-09-15T22:20:00.000000 Client M1.CB (127.0.0.1:10702) is unreachable: port unreachable",
    "2025-09-15T22:21:00.000000 Client M1.CB (127.0.0.1:10703) heard from again after 60.000 s unreachable",
    "2025-09-15T22:30:00.000000 Cut a loop: dropped an echo on /dev/ttyS0 of what the server sent there: 'IS>AL PING'",
    "2025-09-15T22:40:00.000000 Host table full: evicted C1 (127.0.0.1:3001) from slot 3 for NEW (127.0.0.1:4000): no answer to 2 PINGs, silent for 20.0 s",
  ]) {
    replay.add(parseEntry(line));
  }
  const text = renderSummary(replay.finish([], Date.parse("2025-09-16T00:24:03Z")), { color: false });
  expect(text).toContain("\n          unreachable since 22:14:03 (2h10m): port unreachable\n");
  expect(text).toContain("\n          unreachable 22:20:00-22:21:00 (60 s): port unreachable; heard from again\n");
  expect(text).toContain("\n          evicted 22:40:00: slot 3 for NEW (127.0.0.1:4000): no answer to 2 PINGs, silent for 20.0 s\n");
  expect(text).toContain("\nNot delivered   datagrams and lines lost after the server took them (STATS dropped)\n");
  expect(text).toContain("  1 in all: 1 came back unreachable, 0 the kernel would not send, 0 a port would not take\n");
  expect(text).toMatch(/\n {2}M1\.IE +127\.0\.0\.1:10701 +1 +22:14:03 +22:14:03 +port unreachable 1\n/);
  expect(text).toContain("  loops cut: 1 (serial-echo 1), 22:30:00 to 22:30:00\n  host table: 1 evicted for a newcomer, 0 removed\n");
  expect(text).toContain("dropped=1 notSent=0 unreachable=1 refused=0 loops=1 hostsEvicted=1");
});

test("a client's control bytes never reach the terminal as such", () => {
  const e = parseEntry("2025-09-15T14:03:22.123456 A1>B1 \x1b[2J\x07");
  expect(formatLine(e, { color: false })).toBe("2025-09-15T14:03:22.123456 A1>B1 \\x1b[2J\\x07");
  expect(plain(formatLine(e, { color: true }))).toBe("2025-09-15T14:03:22.123456 A1>B1 \\x1b[2J\\x07");
});

test("spans read as a person says them", () => {
  expect([span(0.4), span(95), span(725), span(3 * 3600 + 120), span(2 * 86400 + 4 * 3600)]).toEqual(["0 s", "95 s", "12m05s", "3h02m", "2d04h"]);
});
