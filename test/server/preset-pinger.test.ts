// Silent preset ports are PINGed again with a doubling delay until they answer.
// Time is a manual clock: the schedule is checked to the millisecond, on any machine.
import { describe, expect, test } from "bun:test";
import { PresetPinger } from "../../src/server/preset-pinger.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";

function rig(firstDelayMs = 1000, maxDelayMs = 60_000) {
  const clock = new ManualScheduler();
  const pings: Array<{ at: number; to: string }> = [];
  const logged: string[] = [];
  const answered = new Set<string>();
  const pinger = new PresetPinger({
    ping: (host, port) => pings.push({ at: clock.now(), to: `${host}:${port}` }),
    answered: (host, port) => answered.has(`${host}:${port}`),
    log: (text) => logged.push(text),
    firstDelayMs,
    maxDelayMs,
    scheduler: clock,
  });
  return { clock, pinger, pings, logged, answered };
}

const PRESET = { host: "127.0.0.1", port: 10700 };

describe("preset re-PINGs", () => {
  test("a silent preset is PINGed 1, 2, 4, 8... s after start, then once a minute", () => {
    const { clock, pinger, pings, logged } = rig();
    pinger.start([PRESET]);
    clock.advance(10 * 60_000);
    const gaps = pings.map((p, i) => p.at - (pings[i - 1]?.at ?? 0));
    expect(gaps.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(gaps.every((g) => g <= 60_000)).toBe(true);
    expect(new Set(pings.map((p) => p.to))).toEqual(new Set(["127.0.0.1:10700"]));
    expect(logged[0]).toBe("preset port 127.0.0.1:10700 silent: PING 2 sent, next in 2 s");
    expect(pinger.pending).toBe(1);
  });

  test("nothing is sent before the first delay", () => {
    const { clock, pinger, pings } = rig();
    pinger.start([PRESET]);
    clock.advance(999);
    expect(pings).toEqual([]);
    clock.advance(1);
    expect(pings).toEqual([{ at: 1000, to: "127.0.0.1:10700" }]);
  });

  test("a preset that answered is left alone and the answer logged; the others go on", () => {
    const { clock, pinger, pings, logged, answered } = rig();
    answered.add("127.0.0.1:1");
    pinger.start([
      { host: "127.0.0.1", port: 1 },
      { host: "127.0.0.1", port: 2 },
    ]);
    clock.advance(3000); // PINGs at 1 s and 3 s
    expect(pings.map((p) => p.to)).toEqual(["127.0.0.1:2", "127.0.0.1:2"]);
    answered.add("127.0.0.1:2");
    clock.advance(4000); // the check at 7 s finds it answered
    expect(pings).toHaveLength(2);
    expect(logged.at(-1)).toBe("preset port 127.0.0.1:2 answered after 2 more PINGs");
    expect(pinger.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test("start() with a new preset list replaces the old schedule; stop() ends it and leaves no timer", () => {
    const { clock, pinger, pings } = rig();
    pinger.start([{ host: "127.0.0.1", port: 1 }]);
    clock.advance(500);
    pinger.start([{ host: "127.0.0.1", port: 3 }]);
    clock.advance(1000);
    expect(pings).toEqual([{ at: 1500, to: "127.0.0.1:3" }]);
    pinger.stop();
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(pings).toHaveLength(1);
  });
});
