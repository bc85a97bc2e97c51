import { describe, expect, test } from "bun:test";
import { logBanner, logDateKey, logFileName } from "../../src/log/log-name.ts";

// test/preload.ts sets TZ=America/Phoenix (UTC-7, no DST).
const mst = (y: number, m: number, d: number, h: number, min = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h + 7, min, s, ms);

describe("logDateKey, UTC convention", () => {
  test("is the UTC date", () => {
    expect(logDateKey(Date.UTC(2025, 8, 15, 23, 59, 59, 999), true)).toBe("20250915");
    expect(logDateKey(Date.UTC(2025, 8, 16, 0, 0, 0, 0), true)).toBe("20250916");
  });

  test("month, year ends and leap day", () => {
    expect(logDateKey(Date.UTC(2024, 1, 29, 12), true)).toBe("20240229");
    expect(logDateKey(Date.UTC(2024, 2, 1, 0), true)).toBe("20240301");
    expect(logDateKey(Date.UTC(2025, 11, 31, 23, 59, 59), true)).toBe("20251231");
    expect(logDateKey(Date.UTC(2026, 0, 1, 0, 0, 0), true)).toBe("20260101");
  });
});

describe("logDateKey, observing day (local noon to noon)", () => {
  test("the noon boundary: before noon is yesterday's night, from noon on is today's", () => {
    expect(logDateKey(mst(2025, 9, 15, 11, 59, 59, 999), false)).toBe("20250914");
    expect(logDateKey(mst(2025, 9, 15, 12, 0, 0, 0), false)).toBe("20250915");
    expect(logDateKey(mst(2025, 9, 15, 23, 30), false)).toBe("20250915");
    expect(logDateKey(mst(2025, 9, 16, 5, 0), false)).toBe("20250915");
  });

  test("a whole night stays in one file across local midnight", () => {
    const evening = logDateKey(mst(2025, 9, 15, 18), false);
    const dawn = logDateKey(mst(2025, 9, 16, 6), false);
    expect(dawn).toBe(evening);
  });

  test("month end, year end, leap day", () => {
    expect(logDateKey(mst(2025, 10, 1, 3), false)).toBe("20250930");
    expect(logDateKey(mst(2026, 1, 1, 2), false)).toBe("20251231");
    expect(logDateKey(mst(2024, 3, 1, 11), false)).toBe("20240229");
    expect(logDateKey(mst(2024, 2, 29, 13), false)).toBe("20240229");
    expect(logDateKey(mst(2025, 3, 1, 11), false)).toBe("20250228");
  });

  test("differs from the UTC date in the evening in Arizona", () => {
    const t = mst(2025, 9, 15, 20); // 03:00 UTC on the 16th
    expect(logDateKey(t, true)).toBe("20250916");
    expect(logDateKey(t, false)).toBe("20250915");
  });
});

test("file name and banner", () => {
  expect(logFileName("/home/Logs/ISIS/isis", "20250915")).toBe("/home/Logs/ISIS/isis.20250915.log");
  expect(logBanner("IS", "2025-09-15T14:03:22.123456")).toBe("------------------------------\nIS runtime log (re)started at UTC 2025-09-15T14:03:22.123456\n");
});
