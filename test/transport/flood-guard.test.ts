// The flood guard's policy, driven tick by tick (no timers waited on).
import { afterEach, describe, expect, test } from "bun:test";
import { FloodGuard } from "../../src/transport/flood-guard.ts";

const guards: FloodGuard[] = [];
afterEach(() => {
  for (const g of guards.splice(0)) g.close();
});

function guard(rate = 100, burst = 20, maxSenders = 4096) {
  const reports: string[] = [];
  const g = new FloodGuard({ rate, burst, report: (_priority, t) => reports.push(t), holdMs: 1000, maxSenders, tickMs: 100 });
  guards.push(g);
  return { g, reports };
}

const admitted = (g: FloodGuard, port: number, n: number, address = "127.0.0.1") => {
  let ok = 0;
  for (let i = 0; i < n; i++) if (g.admit(address, port)) ok++;
  return ok;
};

describe("flood guard", () => {
  test("idle until the kernel reports drops: nothing is kept or limited", () => {
    const { g } = guard();
    expect(g.active).toBe(false);
    g.overloaded(0);
    expect(g.active).toBe(true);
  });

  test("while overloaded, a sender gets its burst, then only its rate; others are not affected", () => {
    const { g, reports } = guard(100, 20);
    g.overloaded(0);
    expect(admitted(g, 1, 1000)).toBe(20);
    expect(admitted(g, 2, 5)).toBe(5); // a quiet client alongside
    g.tick(100); // +10 tokens
    expect(admitted(g, 1, 1000)).toBe(10);
    expect(g.dropped).toBe(980 + 990);
    expect(g.limitedNow).toBe(1);
    expect(reports).toEqual([expect.stringContaining("flood: 127.0.0.1:1 sends faster than 100 datagrams/s")]);
  });

  test("a limited sender that calms down is released with its drop count, and the guard goes idle after the hold", () => {
    const { g, reports } = guard(100, 20);
    g.overloaded(0);
    admitted(g, 1, 50);
    for (let t = 100; t <= 300; t += 100) g.tick(t); // refilled to the burst: calm
    expect(reports.at(-1)).toBe("flood: 127.0.0.1:1 calmed down; 30 datagrams from it were dropped");
    expect(g.active).toBe(true); // still within the hold
    g.tick(1100);
    expect(g.active).toBe(false);
  });

  test("a sender that keeps flooding stays limited after the overload has passed", () => {
    const { g } = guard(100, 20);
    g.overloaded(0);
    for (let t = 100; t <= 3000; t += 100) {
      admitted(g, 1, 50);
      g.tick(t);
    }
    expect(g.active).toBe(true);
    expect(g.limitedNow).toBe(1);
  });

  test("senders beyond maxSenders share one bucket, so memory stays bounded whatever arrives", () => {
    const { g } = guard(100, 20, 4);
    g.overloaded(0);
    for (let port = 1; port <= 4; port++) admitted(g, port, 1);
    let through = 0;
    for (let port = 5; port < 5000; port++) through += admitted(g, port, 1);
    expect(through).toBe(20);
    expect(g.limitedNow).toBe(1);
  });

  test("FloodLimit 0 (or off) never arms; a limit change applies at once", () => {
    const { g } = guard(0, 0);
    g.overloaded(0);
    g.armPermanently();
    expect(g.active).toBe(false);
    const other = guard(100, 20).g;
    other.overloaded(0);
    other.setLimit(0, 0);
    expect(other.active).toBe(false);
  });

  test("without an overload signal (no /proc) the buckets are kept all the time", () => {
    const { g } = guard(100, 20);
    g.armPermanently();
    g.tick(100_000);
    expect(g.active).toBe(true);
    expect(admitted(g, 1, 100)).toBe(20);
  });
});
