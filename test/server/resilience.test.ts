// The resilience layer's timing on a manual clock: the kernel's drop count
// (from the socket, or sampled every 100 ms while datagrams arrive) arms the flood guard, silent presets are re-PINGed
// through the core, and the host table is saved a debounce after a change.
// The drop counter is a function the test sets (a real overload is timing
// itself; test/e2e/flood.test.ts makes one on the compiled server).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerConfig } from "../../src/config/server-config.ts";
import { Resilience, readSavedHosts } from "../../src/server/resilience.ts";
import { makeCore } from "../core/fixture.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";
import { makeTempDir } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";

/** Let promise callbacks already queued run (the sampler's read resolves at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function rig(config: Partial<ServerConfig> = {}, drops: { value: number | undefined } = { value: 0 }, socket?: { drops: number }) {
  const f = makeCore({ stateFile: false, ...config });
  const clock = new ManualScheduler();
  const journal: string[] = [];
  const log: string[] = [];
  let reads = 0;
  const resilience = new Resilience({
    core: f.core,
    journal: (_priority, t) => journal.push(t),
    log: (t) => log.push(t),
    stateDirectory: undefined,
    scheduler: clock,
    readDrops: async () => {
      reads++;
      return drops.value;
    },
    // As the transport does: the socket's count now, heard as after a read.
    refreshDrops: socket && (() => resilience.kernelDropped(socket.drops)),
  });
  // As the server wires them: a change to the host table reaches the state file.
  f.hooks.hostsChanged = () => resilience.hostsChanged();
  return { f, clock, journal, log, resilience, drops, reads: () => reads };
}

describe("the drop sampler", () => {
  test("on Bun's API path the counter is read only while datagrams arrive: new drops arm the guard, a quiet second stops the reads", async () => {
    const { clock, log, resilience, drops, reads } = rig();
    resilience.started(6600);
    expect(resilience.pollsDrops).toBe(true);
    await waitUntil("the first read", () => reads() === 1);
    await settle();
    // Nothing arrives: nothing is read, no timer runs.
    clock.advance(10_000);
    expect({ reads: reads(), timers: clock.pending }).toEqual({ reads: 1, timers: 0 });
    resilience.arrived();
    clock.advance(100);
    await settle();
    expect(reads()).toBe(2);
    expect(resilience.guard.active).toBe(false);
    drops.value = 5;
    resilience.arrived();
    clock.advance(100);
    await settle();
    expect(resilience.guard.active).toBe(true);
    expect(resilience.kernelDrops).toBe(5);
    // A second with no datagram: the reads stop (the guard's own hold still runs out).
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      await settle();
    }
    const after = reads();
    clock.advance(3000);
    await settle();
    expect(reads()).toBe(after);
    expect(resilience.guard.active).toBe(false);
    expect(log).toEqual(["overload: the kernel dropped 5 datagrams in front of the server's socket in 0.0 s (its queue was full)"]);
    expect(clock.pending).toBe(0);
    // The next datagram starts the reads again.
    resilience.arrived();
    clock.advance(100);
    await settle();
    expect(reads()).toBe(after + 1);
    await resilience.stop();
    expect(clock.pending).toBe(0);
  });

  test("when the socket says its drops (batched reads, SO_RXQ_OVFL), /proc is never read and no timer runs until a drop", async () => {
    const { clock, resilience, reads } = rig();
    resilience.started(6600, true);
    await settle();
    expect({ polls: resilience.pollsDrops, reads: reads(), timers: clock.pending }).toEqual({ polls: false, reads: 0, timers: 0 });
    resilience.kernelDropped(3);
    expect(resilience.guard.active).toBe(true);
    clock.advance(3000);
    expect(resilience.guard.active).toBe(false);
    expect(clock.pending).toBe(0);
    expect(resilience.kernelDrops).toBe(3);
    await resilience.stop();
  });

  test("an overload's kernel drops are said once it is over: one line for a burst of signals, with what they added up to", () => {
    const { clock, journal, log, resilience } = rig();
    resilience.started(6600, true);
    resilience.kernelDropped(3);
    clock.advance(1000);
    resilience.kernelDropped(10);
    clock.advance(1500);
    resilience.kernelDropped(10); // no new drops: nothing changes
    resilience.kernelDropped(42);
    clock.advance(2999);
    expect(log).toEqual([]);
    clock.advance(1);
    const line = "overload: the kernel dropped 42 datagrams in front of the server's socket in 2.5 s (its queue was full)";
    expect(log).toEqual([line]);
    expect(journal).toEqual([line]);
    // The next overload counts from there.
    resilience.kernelDropped(50);
    clock.advance(3000);
    expect(log.at(-1)).toBe("overload: the kernel dropped 8 datagrams in front of the server's socket in 0.0 s (its queue was full)");
    expect(resilience.kernelDrops).toBe(50);
    expect(clock.pending).toBe(0);
  });

  test("drops after the last datagram read keep an overload open, and are in its line: the socket is asked before it is called over, and at stop", async () => {
    const socket = { drops: 0 };
    const { clock, log, resilience } = rig({}, { value: 0 }, socket);
    resilience.started(6600, true);
    resilience.kernelDropped(3);
    // Nothing read since, but the kernel went on dropping: found when the quiet time is up, the overload goes on.
    socket.drops = 20;
    clock.advance(3000);
    expect(log).toEqual([]);
    expect(resilience.kernelDrops).toBe(20);
    clock.advance(3000);
    expect(log).toEqual(["overload: the kernel dropped 20 datagrams in front of the server's socket in 3.0 s (its queue was full)"]);
    socket.drops = 25;
    await resilience.stop();
    expect(log.at(-1)).toBe("overload: the kernel dropped 5 datagrams in front of the server's socket in 0.0 s (its queue was full)");
  });

  test("an overload still going when the server stops is said at the stop", async () => {
    const { log, resilience } = rig();
    resilience.started(6600, true);
    resilience.kernelDropped(7);
    await resilience.stop();
    expect(log).toEqual(["overload: the kernel dropped 7 datagrams in front of the server's socket in 0.0 s (its queue was full)"]);
  });

  test("a counter that cannot be read (no /proc) keeps the buckets all the time, with no sampler", async () => {
    const { clock, resilience } = rig({}, { value: undefined });
    resilience.started(6600);
    await waitUntil("the guard armed", () => resilience.guard.active);
    clock.advance(60_000);
    expect(resilience.guard.active).toBe(true);
    await resilience.stop();
    expect(resilience.guard.active).toBe(false);
    expect(clock.pending).toBe(0);
  });

  test("stop() before the first read leaves no sampler behind", async () => {
    const { clock, resilience, reads } = rig();
    resilience.started(6600);
    await resilience.stop();
    await settle();
    expect(reads()).toBe(1);
    expect(clock.pending).toBe(0);
  });
});

describe("silent presets", () => {
  test("are PINGed through the core 1 and 3 s after start, and no more once they speak", async () => {
    const preset = { host: "127.0.0.1", port: 10700 };
    const { f, clock, resilience } = rig({ presetPorts: [preset] });
    resilience.started(6600);
    clock.advance(999);
    expect(f.sent).toEqual([]);
    clock.advance(1);
    expect(f.sent).toEqual([{ to: "127.0.0.1:10700", text: "IS>AL PING\r" }]);
    clock.advance(2000);
    expect(f.sent).toHaveLength(2);
    f.from(10700, "M1.ENV>IS PONG\r");
    clock.advance(60_000);
    expect(f.sent.filter((s) => s.text === "IS>AL PING\r")).toHaveLength(2);
    await resilience.stop();
  });

  test("NoHandshaking: never PINGed", async () => {
    const { f, clock, resilience } = rig({ handshake: false, presetPorts: [{ host: "127.0.0.1", port: 10700 }] });
    resilience.started(6600);
    clock.advance(60_000);
    expect(f.sent).toEqual([]);
    await resilience.stop();
  });
});

describe("the host table on disk", () => {
  test("is saved 250 ms after a client appears, and restored by the next start", async () => {
    const path = join(makeTempDir(), "hosts.json");
    const first = rig({ stateFile: path });
    first.resilience.restore(await readSavedHosts(first.f.core.config, undefined, () => {}));
    first.f.from(20001, "M1.ENV>IS PING\r");
    first.clock.advance(249);
    await settle();
    expect(existsSync(path)).toBe(false);
    first.clock.advance(1);
    await waitUntil("the state file", () => existsSync(path) && readFileSync(path, "utf8").includes('"M1.ENV"'));
    await first.resilience.stop();

    const second = rig({ stateFile: path });
    second.resilience.restore(await readSavedHosts(second.f.core.config, undefined, (_priority, t) => second.journal.push(t)));
    expect(second.journal).toEqual([`restored 1 clients from ${path}`]);
    expect(second.f.core.hosts.entries().map((e) => e.name)).toEqual(["M1.ENV"]);
    await second.resilience.stop();
  });
});
