// The flood guard's policy, on a manual clock: its refill timer runs only
// when the test moves time on (no timers waited on).
import { afterEach, describe, expect, test } from "bun:test";
import { FloodGuard } from "../../src/transport/flood-guard.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";

const guards: FloodGuard[] = [];
afterEach(() => {
  for (const g of guards.splice(0)) g.close();
});

function guard(rate = 100, burst = 20, maxSenders = 4096) {
  const reports: string[] = [];
  const clock = new ManualScheduler();
  const g = new FloodGuard({ rate, burst, report: (_priority, t) => reports.push(t), holdMs: 1000, maxSenders, tickMs: 100, scheduler: clock });
  guards.push(g);
  return { g, reports, clock };
}

/** Datagrams admitted of n from one host (127.0.0.HOST), from one source port or from several in turn. */
const admitted = (g: FloodGuard, host: number, n: number, ports: readonly number[] = [1]) => {
  let ok = 0;
  for (let i = 0; i < n; i++) if (g.admit(`127.0.0.${host}`, ports[i % ports.length] as number)) ok++;
  return ok;
};

describe("flood guard", () => {
  test("idle until the kernel reports drops: no buckets kept, no timer running", () => {
    const { g, clock } = guard();
    expect(g.active).toBe(false);
    expect(clock.pending).toBe(0);
    g.overloaded();
    expect(g.active).toBe(true);
    expect(clock.pending).toBe(1);
  });

  test("while overloaded, a sender gets its burst, then only its rate; others are not affected", () => {
    const { g, reports, clock } = guard(100, 20);
    g.overloaded();
    expect(admitted(g, 1, 1000)).toBe(20);
    expect(admitted(g, 2, 5)).toBe(5); // a quiet client alongside
    clock.advance(100); // +10 tokens
    expect(admitted(g, 1, 1000)).toBe(10);
    expect(g.dropped).toBe(980 + 990);
    expect(g.limits).toBe(1);
    expect(g.limitedNow).toBe(1);
    expect(reports).toEqual([expect.stringContaining("flood: 127.0.0.1 sends faster than 100 datagrams/s")]);
  });

  test("a host's sockets share its budget: 256 source ports get no more than one", () => {
    const { g, reports, clock } = guard(1000, 2000);
    g.overloaded();
    const ports = Array.from({ length: 256 }, (_, i) => 40000 + i);
    // The burst, then the light share of the first 32 sockets (5% of 1000/s: 5 per 100 ms tick each).
    expect(admitted(g, 2, 256 * 50, ports)).toBe(2000 + 32 * 5);
    clock.advance(100);
    expect(admitted(g, 2, 256 * 50, ports)).toBe(100 + 32 * 5);
    expect(reports).toEqual([expect.stringContaining("flood: 127.0.0.2 sends faster than 1000 datagrams/s")]);
    expect(g.limitedNow).toBe(1);
  });

  test("a light socket of a limited host still gets through: one agent flooding does not silence its neighbours", () => {
    const { g, clock } = guard(1000, 2000);
    g.overloaded();
    let quiet = 0;
    for (let t = 0; t < 20; t++) {
      admitted(g, 1, 20_000, [5000]); // one agent in a loop
      quiet += admitted(g, 1, 3, [5001]); // its neighbour: 30 datagrams/s, under 5% of the rate
      clock.advance(100);
    }
    expect(quiet).toBe(60);
    admitted(g, 1, 20_000, [5000]);
    expect(admitted(g, 1, 100, [5002])).toBe(5); // a third socket gets its share per tick, not more
  });

  test("a limited sender that calms down is released with its drop count, and the guard goes idle after the hold", () => {
    const { g, reports, clock } = guard(100, 20);
    g.overloaded();
    admitted(g, 1, 50);
    clock.advance(300); // refilled to the burst: calm
    expect(reports.at(-1)).toBe("flood: 127.0.0.1 calmed down; 30 datagrams from it were dropped");
    clock.advance(600);
    expect(g.active).toBe(true); // still within the hold
    clock.advance(100);
    expect(g.active).toBe(false);
    expect(clock.pending).toBe(0);
  });

  test("a new overload signal within the hold keeps the guard armed for another hold", () => {
    const { g, clock } = guard(100, 20);
    g.overloaded();
    clock.advance(900);
    g.overloaded();
    clock.advance(900);
    expect(g.active).toBe(true);
    clock.advance(100);
    expect(g.active).toBe(false);
  });

  test("a sender that keeps flooding stays limited after the overload has passed", () => {
    const { g, clock } = guard(100, 20);
    g.overloaded();
    for (let i = 0; i < 30; i++) {
      admitted(g, 1, 50);
      clock.advance(100);
    }
    expect(g.active).toBe(true);
    expect(g.limitedNow).toBe(1);
  });

  test("hosts beyond maxSenders share one bucket, so memory stays bounded whatever arrives", () => {
    const { g } = guard(100, 20, 4);
    g.overloaded();
    for (let host = 1; host <= 4; host++) admitted(g, host, 1);
    let through = 0;
    for (let host = 5; host < 5000; host++) through += g.admit(`10.${host >> 8}.${host & 255}.1`, 1) ? 1 : 0;
    expect(through).toBe(20);
    expect(g.limitedNow).toBe(1);
  });

  test("FloodLimit 0 (or off) never arms; a limit change applies at once", () => {
    const { g, clock } = guard(0, 0);
    g.overloaded();
    g.armPermanently();
    expect(g.active).toBe(false);
    expect(clock.pending).toBe(0);
    const other = guard(100, 20);
    other.g.overloaded();
    other.g.setLimit(0, 0);
    expect(other.g.active).toBe(false);
    expect(other.clock.pending).toBe(0);
  });

  test("a sender still limited when the guard stops, or when FloodLimit is turned off, is released and what it cost is said", () => {
    const stopping = guard(100, 20);
    stopping.g.overloaded();
    expect(admitted(stopping.g, 1, 50)).toBe(20);
    stopping.g.close();
    expect(stopping.reports.at(-1)).toBe("flood: 127.0.0.1 no longer limited (the server is stopping); 30 datagrams from it were dropped");
    stopping.g.close();
    expect(stopping.reports).toHaveLength(2);

    const off = guard(100, 20);
    off.g.overloaded();
    admitted(off.g, 1, 25);
    admitted(off.g, 2, 21);
    off.g.setLimit(0, 0);
    expect(off.reports.slice(2)).toEqual([
      "flood: 127.0.0.1 no longer limited (FloodLimit turned off); 5 datagrams from it were dropped",
      "flood: 127.0.0.2 no longer limited (FloodLimit turned off); 1 datagrams from it were dropped",
    ]);
    expect(off.g.dropped).toBe(6);
    expect(off.g.limitedNow).toBe(0);
  });

  test("without an overload signal (no /proc) the buckets are kept all the time", () => {
    const { g, clock } = guard(100, 20);
    g.armPermanently();
    clock.advance(100_000);
    expect(g.active).toBe(true);
    expect(admitted(g, 1, 100)).toBe(20);
  });
});
