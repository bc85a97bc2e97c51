// The pieces behind LIVENESS/INFLIGHT/STATS, alone: message kinds, the
// bounded in-flight table, latency percentiles, paging.
import { describe, expect, test } from "bun:test";
import { InFlight } from "../../src/core/in-flight.ts";
import { LatencyBook, LatencyHistogram, MAX_WORDS, millisText, OTHER_WORDS } from "../../src/core/latency.ts";
import { allPages, page } from "../../src/core/paged-reply.ts";
import { bodyInfo } from "../../src/protocol/body-kind.ts";

describe("bodyInfo", () => {
  test("names the kind and the command word of a body (IMPv2.5 §3.3)", () => {
    expect(bodyInfo("filter 2")).toEqual({ kind: "REQ", word: "FILTER" });
    expect(bodyInfo("REQ: filter 2")).toEqual({ kind: "REQ", word: "FILTER" });
    expect(bodyInfo("exec:  quit")).toEqual({ kind: "EXEC", word: "QUIT" });
    expect(bodyInfo("DONE: slitmask SlitMask=4")).toEqual({ kind: "DONE", word: "SLITMASK" });
    expect(bodyInfo("STATUS: move half")).toEqual({ kind: "STATUS", word: "MOVE" });
    expect(bodyInfo("WARNING:")).toEqual({ kind: "WARNING", word: "" });
    expect(bodyInfo("ping")).toEqual({ kind: "PING", word: "PING" });
    expect(bodyInfo("REQ: PING")).toEqual({ kind: "PING", word: "PING" });
    expect(bodyInfo("PONG extra")).toEqual({ kind: "PONG", word: "PONG" });
    expect(bodyInfo("")).toEqual({ kind: "HB", word: "" });
  });
});

describe("InFlight", () => {
  test("answers to many pipelined and interleaved requests close them oldest first, and the table ends empty", () => {
    const t = new InFlight();
    for (let i = 0; i < 40; i++) t.request(i % 2 ? "X1" : "X2", "Y1", i % 3 ? "A" : "B", false, i, 1000);
    expect(t.size).toBe(40);
    expect(t.finish("Y1", "X2", "B", "DONE", 100)?.command.sentAt).toBe(0);
    expect(t.finish("Y1", "X1", "A", "DONE", 100)?.command.sentAt).toBe(1);
    expect(
      t
        .list()
        .slice(0, 3)
        .map((c) => c.sentAt),
    ).toEqual([2, 3, 4]);
    for (let i = 2; i < 40; i++) expect(t.finish("Y1", i % 2 ? "X1" : "X2", i % 3 ? "A" : "B", "DONE", 100)).toBeDefined();
    expect(t.size).toBe(0);
    expect(t.list()).toEqual([]);
    expect(t.completed).toBe(40);
  });

  test("beyond its limit the oldest open command is forgotten and counted", () => {
    const t = new InFlight(3);
    for (const word of ["A", "B", "C"]) expect(t.request("X1", "Y1", word, false, 0, 0)).toBeUndefined();
    expect(t.request("X1", "Y1", "D", false, 1, 0)?.word).toBe("A");
    expect(t.list().map((c) => c.word)).toEqual(["B", "C", "D"]);
    expect(t.evicted).toBe(1);
    expect(t.finish("Y1", "X1", "A", "DONE", 2)).toBeUndefined();
    expect(t.unmatched).toBe(1);
  });

  test("the same request sent several times (pipelined) is answered oldest first, each with its own latency", () => {
    const t = new InFlight();
    t.request("X1", "Y1", "A", false, 0, 1000);
    t.request("X1", "Y1", "A", false, 10, 1000);
    t.request("X1", "Y1", "A", false, 20, 1000);
    expect(t.progress("Y1", "X1", "A", "STATUS: A half", 25)).toBe(true);
    expect(t.list().map((c) => c.progressCount)).toEqual([1, 0, 0]);
    expect([30, 31, 32].map((now) => t.finish("Y1", "X1", "A", "DONE", now)?.latencyMs)).toEqual([30, 21, 12]);
    expect(t.size).toBe(0);
  });

  test("a repeat of a request that is already late replaces it: a retry of one that was lost", () => {
    const t = new InFlight();
    t.request("X1", "Y1", "A", false, 0, 1000);
    t.request("X1", "Y1", "B", false, 0, 1000);
    t.request("X1", "Y1", "A", false, 1500, 1000);
    expect(t.list().map((c) => `${c.word}@${c.sentAt}`)).toEqual(["B@0", "A@1500"]);
    expect(t.finish("Y1", "X1", "A", "DONE", 1600)?.latencyMs).toBe(100);
  });

  test("only the target's answer to the requester closes it", () => {
    const t = new InFlight();
    t.request("X1", "Y1", "A", false, 0, 0);
    expect(t.finish("Z1", "X1", "A", "DONE", 1)).toBeUndefined();
    expect(t.finish("Y1", "Z1", "A", "DONE", 1)).toBeUndefined();
    expect(t.size).toBe(1);
  });
});

describe("latency", () => {
  test("millisText prints latencies as toFixed(3) does", () => {
    for (const ms of [0, 0.0004, 0.001, 0.0996, 1, 12.3456789, 999.9994, 65_000.25, 3_600_000]) expect(millisText(ms)).toBe(ms.toFixed(3));
    for (const ms of [-0.5, Number.NaN, 1e12]) expect(millisText(ms)).toBe(ms.toFixed(3));
  });

  test("percentiles are within a bucket (9%) of the true value", () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.record(ms);
    for (const [p, exact] of [
      [0.5, 500],
      [0.9, 900],
      [0.99, 990],
    ] as const) {
      expect(h.percentile(p)).toBeGreaterThanOrEqual(exact);
      expect(h.percentile(p)).toBeLessThanOrEqual(exact * 1.091);
    }
    expect(h.percentile(1)).toBe(1000);
    expect(h.count).toBe(1000);
  });

  test("a single sample is reported exactly; zero and huge values are kept in range", () => {
    const h = new LatencyHistogram();
    h.record(12.5);
    expect(h.percentile(0.5)).toBe(12.5);
    h.record(0);
    h.record(1e12);
    expect(h.percentile(0)).toBeLessThanOrEqual(0.01);
    expect(h.percentile(1)).toBe(1e12);
  });

  test("at most MAX_WORDS command words; further ones share one histogram", () => {
    const book = new LatencyBook();
    for (let i = 0; i < MAX_WORDS + 10; i++) book.record(`W${i}`, 1);
    const words = book.summaries().map((s) => s.word);
    expect(words).toHaveLength(MAX_WORDS + 1);
    expect(book.summaries()[0]).toMatchObject({ word: OTHER_WORDS, count: 10 });
  });
});

describe("paging", () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ key: i * 2, text: `c${i * 2}=${"x".repeat(30)}` }));

  test("a page holds what fits and says where the next starts", () => {
    const first = page("DONE: X n=10", items, 0, 120);
    expect(first.length).toBeLessThanOrEqual(120);
    expect(first).toMatch(/^DONE: X n=10 c0=x+ c2=x+ next=4$/);
    expect(page("DONE: X n=10", items, 4, 120)).toMatch(/^DONE: X n=10 from=4 c4=x+ c6=x+ next=8$/);
  });

  test("every item appears exactly once across all pages", () => {
    const pages = allPages("H", items, 120);
    const keys = pages.flatMap((p) => [...p.matchAll(/ c(\d+)=/g)].map((m) => Number(m[1])));
    expect(keys).toEqual(items.map((i) => i.key));
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(120);
  });
});
