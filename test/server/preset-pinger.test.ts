// Silent preset ports are PINGed again with a doubling delay until they answer.
import { describe, expect, test } from "bun:test";
import { PresetPinger } from "../../src/server/preset-pinger.ts";

function rig(firstDelayMs = 10, maxDelayMs = 40) {
  const pings: Array<{ at: number; to: string }> = [];
  const answered = new Set<string>();
  const t0 = performance.now();
  const pinger = new PresetPinger({
    ping: (host, port) => pings.push({ at: performance.now() - t0, to: `${host}:${port}` }),
    answered: (host, port) => answered.has(`${host}:${port}`),
    log: () => {},
    firstDelayMs,
    maxDelayMs,
  });
  return { pinger, pings, answered };
}

describe("preset re-PINGs", () => {
  test("a silent preset is PINGed after 1x, 2x, 4x the first delay, then at the cap", async () => {
    const { pinger, pings } = rig(20, 80);
    pinger.start([{ host: "127.0.0.1", port: 10700 }]);
    await Bun.sleep(20 + 40 + 80 + 80 + 40);
    pinger.stop();
    const times = pings.map((p) => p.at);
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(times.length).toBeLessThanOrEqual(5);
    // Gaps double and then stay at the cap (timers may run late, never early).
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(39);
    expect(gaps[1]).toBeGreaterThanOrEqual(79);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(new Set(pings.map((p) => p.to))).toEqual(new Set(["127.0.0.1:10700"]));
  });

  test("a preset that answered is left alone; the others go on", async () => {
    const { pinger, pings, answered } = rig(10, 10);
    answered.add("127.0.0.1:1");
    pinger.start([
      { host: "127.0.0.1", port: 1 },
      { host: "127.0.0.1", port: 2 },
    ]);
    await Bun.sleep(35);
    expect(pings.length).toBeGreaterThan(0);
    expect(pings.every((p) => p.to === "127.0.0.1:2")).toBe(true);
    answered.add("127.0.0.1:2");
    await Bun.sleep(25);
    const before = pings.length;
    await Bun.sleep(40);
    expect(pings.length).toBe(before);
    expect(pinger.pending).toBe(0);
  });

  test("start() with a new preset list replaces the old schedule; stop() ends it", async () => {
    const { pinger, pings } = rig(10, 10);
    pinger.start([{ host: "127.0.0.1", port: 1 }]);
    pinger.start([{ host: "127.0.0.1", port: 3 }]);
    await Bun.sleep(35);
    expect(new Set(pings.map((p) => p.to))).toEqual(new Set(["127.0.0.1:3"]));
    pinger.stop();
    const count = pings.length;
    await Bun.sleep(40);
    expect(pings.length).toBe(count);
  });
});
