// Which files and which time a query means: nights, times, and the files on disk.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { filesBetween, nightWindow, parseNight, parseTime } from "../../src/forensics/range.ts";

const utc = (iso: string) => Date.parse(iso);
const value = <T>(p: { ok: true; value: T } | { ok: false; message: string }): T | string => (p.ok ? p.value : p.message);

describe("--night", () => {
  const now = utc("2025-09-16T09:00:00Z");
  test("a date in either form, today and yesterday by the server's convention", () => {
    expect(value(parseNight("2025-09-15", now, true))).toBe("20250915");
    expect(value(parseNight("20250915", now, true))).toBe("20250915");
    expect(value(parseNight("today", now, true))).toBe("20250916");
    expect(value(parseNight("yesterday", now, true))).toBe("20250915");
    expect(value(parseNight("2025-02-30", now, true))).toContain("no such date");
    expect(value(parseNight("last tuesday", now, true))).toContain("bad night");
  });

  test("an observing day runs from local noon to the next local noon; with LogDate UTC it is the UTC day", () => {
    const local = nightWindow("20250915", false);
    expect(new Date(local.start).getHours()).toBe(12);
    expect(new Date(local.start).getDate()).toBe(15);
    expect(new Date(local.end).getDate()).toBe(16);
    expect(nightWindow("20250915", true)).toEqual({ start: utc("2025-09-15T00:00:00Z"), end: utc("2025-09-16T00:00:00Z") });
  });
});

describe("--since and --until", () => {
  const now = utc("2025-09-16T09:00:00.000Z");
  test("UTC as the log's stamps: a stamp copied from the log, a date, a clock time, an age", () => {
    expect(value(parseTime("2025-09-15T22:00", now))).toBe(utc("2025-09-15T22:00:00Z"));
    expect(value(parseTime("2025-09-15T22:00:05.123456", now))).toBe(utc("2025-09-15T22:00:05.123Z") + 0.456);
    expect(value(parseTime("2025-09-15", now))).toBe(utc("2025-09-15T00:00:00Z"));
    expect(value(parseTime("2025-09-15T22:00-07:00", now))).toBe(utc("2025-09-16T05:00:00Z"));
    expect(value(parseTime("08:30", now))).toBe(utc("2025-09-16T08:30:00Z"));
    expect(value(parseTime("22:00", now))).toBe(utc("2025-09-15T22:00:00Z"));
    expect(value(parseTime("2h", now))).toBe(utc("2025-09-16T07:00:00Z"));
    expect(value(parseTime("-90m", now))).toBe(utc("2025-09-16T07:30:00Z"));
    expect(value(parseTime("now", now))).toBe(now);
    for (const bad of ["yesterday evening", "25:00", "2025-09-15T22", "2h ago"]) expect(String(value(parseTime(bad, now)))).toContain("bad time");
  });

  test("the files of the days a range touches, oldest first; others and strangers in the directory are left alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "isis-range-"));
    try {
      for (const name of [
        "isis.20250913.log",
        "isis.20250914.log",
        "isis.20250915.log",
        "isis.20250916.log",
        "isis.hosts.json",
        "other.20250915.log",
        "isis.2025091.log",
      ]) {
        writeFileSync(join(dir, name), "");
      }
      const root = join(dir, "isis");
      expect(await filesBetween(root, utc("2025-09-14T10:00:00Z"), utc("2025-09-15T23:00:00Z"), true)).toEqual([
        join(dir, "isis.20250914.log"),
        join(dir, "isis.20250915.log"),
      ]);
      expect(await filesBetween(root, undefined, utc("2025-09-14T10:00:00Z"), true)).toEqual([join(dir, "isis.20250913.log"), join(dir, "isis.20250914.log")]);
      expect(await filesBetween(join(dir, "missing", "isis"), undefined, utc("2025-09-14T10:00:00Z"), true)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
