// The event loop's scheduler, and the manual one the unit tests use in its place.
import { describe, expect, test } from "bun:test";
import { systemScheduler } from "../../src/shared/scheduler.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";

describe("systemScheduler", () => {
  test("a cancelled timer never fires; timers fire in the order they fall due", async () => {
    const fired: string[] = [];
    const cancelled = systemScheduler.after(1, () => fired.push("cancelled"));
    cancelled.cancel();
    let ticks = 0;
    const interval = systemScheduler.every(1, () => {
      if (++ticks === 3) interval.cancel();
    });
    await new Promise<void>((resolve) => systemScheduler.after(20, resolve));
    expect(fired).toEqual([]);
    expect(ticks).toBe(3);
  });

  test("its timers do not keep a process alive", async () => {
    const code = `import { systemScheduler } from ${JSON.stringify(`${import.meta.dir}/../../src/shared/scheduler.ts`)};
      systemScheduler.after(600_000, () => {}); systemScheduler.every(600_000, () => {});`;
    const proc = Bun.spawn([process.execPath, "-e", code], { stdout: "ignore", stderr: "pipe" });
    expect(await proc.exited).toBe(0);
  });

  test("now() is monotonic milliseconds", () => {
    const a = systemScheduler.now();
    expect(systemScheduler.now()).toBeGreaterThanOrEqual(a);
  });
});

describe("ManualScheduler", () => {
  test("advance() fires what falls due, in due order, with now() at each due time", () => {
    const clock = new ManualScheduler(1000);
    const seen: Array<[string, number]> = [];
    clock.after(30, () => seen.push(["b", clock.now()]));
    clock.after(10, () => {
      seen.push(["a", clock.now()]);
      clock.after(5, () => seen.push(["a+5", clock.now()]));
    });
    const every = clock.every(25, () => seen.push(["every", clock.now()]));
    clock.advance(50);
    expect(seen).toEqual([
      ["a", 1010],
      ["a+5", 1015],
      ["every", 1025],
      ["b", 1030],
      ["every", 1050],
    ]);
    expect(clock.now()).toBe(1050);
    expect(clock.pending).toBe(1);
    every.cancel();
    every.cancel();
    expect(clock.pending).toBe(0);
  });

  test("a timer cancelled by an earlier one in the same step does not fire", () => {
    const clock = new ManualScheduler();
    const fired: string[] = [];
    const later = clock.after(20, () => fired.push("later"));
    clock.after(10, () => later.cancel());
    clock.advance(100);
    expect(fired).toEqual([]);
  });
});
