// `grep --follow` across the day rollover, on real files with an injected
// clock: lines are handed over whole, once, in the order the server wrote
// them, from the old day's file and then the new one.
import { expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { follow } from "../../src/forensics/follow.ts";

test("the live file's new lines, then the next day's file from its first line; a late entry of the old day first", async () => {
  const dir = mkdtempSync(join(tmpdir(), "isis-follow-"));
  const root = join(dir, "isis");
  const dayA = `${root}.20250915.log`;
  const dayB = `${root}.20250916.log`;
  writeFileSync(dayA, "2025-09-15T23:59:58.000000 A1>IS PING\n2025-09-15T23:59:58.000100 IS>A1 PONG\n");
  let now = Date.parse("2025-09-15T23:59:59Z");
  const seen: string[] = [];
  let wake: (() => void) | undefined;
  const until = async (n: number) => {
    while (seen.length < n) await new Promise<void>((resolve) => (wake = resolve));
  };
  const controller = new AbortController();
  const done = follow(
    { root, utc: true, from: { key: "20250915", offset: Bun.file(dayA).size }, signal: controller.signal, clock: () => now, pollMs: 2, graceMs: 60_000 },
    (line) => {
      seen.push(line);
      wake?.();
    },
  );
  try {
    appendFileSync(dayA, "2025-09-15T23:59:59.000000 A1>B1 one\n2025-09-15T23:59:59.5");
    await until(1);
    appendFileSync(dayA, "00000 A1>B1 two, written in two pieces\n");
    await until(2);
    // Midnight: the server's next entry starts the new file, while its writer still had one for the old one.
    now = Date.parse("2025-09-16T00:00:00.5Z");
    appendFileSync(dayA, "2025-09-15T23:59:59.900000 A1>B1 three, late for its file\n");
    writeFileSync(
      dayB,
      "------------------------------\nIS runtime log (re)started at UTC 2025-09-16T00:00:00.100000\n2025-09-16T00:00:00.100000 A1>B1 four\n",
    );
    await until(6);
    expect(seen).toEqual([
      "2025-09-15T23:59:59.000000 A1>B1 one",
      "2025-09-15T23:59:59.500000 A1>B1 two, written in two pieces",
      "2025-09-15T23:59:59.900000 A1>B1 three, late for its file",
      "------------------------------",
      "IS runtime log (re)started at UTC 2025-09-16T00:00:00.100000",
      "2025-09-16T00:00:00.100000 A1>B1 four",
    ]);
  } finally {
    controller.abort();
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a followed file that is truncated (logrotate's copytruncate) is read again from its start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "isis-follow-"));
  const root = join(dir, "isis");
  const path = `${root}.20250915.log`;
  writeFileSync(path, "2025-09-15T23:00:00.000000 A1>IS PING\n2025-09-15T23:00:00.000100 IS>A1 PONG\n");
  const seen: string[] = [];
  let wake: (() => void) | undefined;
  const controller = new AbortController();
  const done = follow(
    {
      root,
      utc: true,
      from: { key: "20250915", offset: Bun.file(path).size },
      signal: controller.signal,
      clock: () => Date.parse("2025-09-15T23:00:01Z"),
      pollMs: 2,
    },
    (line) => {
      seen.push(line);
      wake?.();
    },
  );
  try {
    writeFileSync(path, "2025-09-15T23:00:02.000000 A1>B1 after the truncation\n");
    while (seen.length < 1) await new Promise<void>((resolve) => (wake = resolve));
    expect(seen).toEqual(["2025-09-15T23:00:02.000000 A1>B1 after the truncation"]);
  } finally {
    controller.abort();
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
});
