// The serial stack's logic on an in-memory binding (test/helpers/memory-serial.ts)
// and a manual clock: framing across reads, a port missing at start or pulled
// out and tried again every retryMs, a stuck line's backlog, the drain at
// close. Nothing here waits for real time; serial-ports.test.ts runs the same
// stack on real ptys through the termios binding.
import { afterEach, describe, expect, test } from "bun:test";
import { type SerialOptions, SerialPorts } from "../../src/transport/serial/index.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";
import { type MemoryDevice, MemorySerial } from "../helpers/memory-serial.ts";
import { waitUntil } from "../helpers/wait.ts";
import { Recorder } from "./recorder.ts";

const RETRY_MS = 3000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(paths: string[], options: Partial<SerialOptions> = {}) {
  const binding = new MemorySerial();
  const clock = new ManualScheduler();
  const devices = new Map<string, MemoryDevice>();
  for (const path of paths) if (!path.includes("missing")) devices.set(path, binding.plug(path));
  const events = new Recorder();
  const ports = new SerialPorts(paths, events, { binding, scheduler: clock, retryMs: RETRY_MS, ...options });
  cleanups.push(() => ports.close());
  await ports.start();
  const opens = (path: string) => binding.opens.get(path) ?? 0;
  /** Move the clock to the next retry of `path` and wait until that attempt has settled (the next retry is set, or the port is up). */
  const retry = async (path: string, index: number) => {
    const before = opens(path);
    await waitUntil(`a retry of ${path} set`, () => clock.pending > 0);
    clock.advance(RETRY_MS);
    await waitUntil(`the retry of ${path}`, () => opens(path) === before + 1, { on: binding.opened });
    await waitUntil(`the retry of ${path} settled`, () => clock.pending > 0 || ports.isUp(index));
  };
  return { binding, clock, devices, events, ports, opens, retry };
}

/** Wait until the port has read everything sent to the device. */
const readAll = (device: MemoryDevice) => waitUntil(`${device.path} read`, () => device.input.length === 0, { on: device.changed });

describe("lines across reads", () => {
  test("a message arriving in pieces, one read each, is one line; a CR and its LF in two reads end one message", async () => {
    const { devices, events } = await started(["/dev/ttyA"]);
    const a = devices.get("/dev/ttyA") as MemoryDevice;
    for (const piece of ["M1.IE>IS ST", "AT", "US\r"]) {
      a.send(piece);
      await readAll(a);
    }
    expect(await events.lineCount(1)).toEqual(["M1.IE>IS STATUS"]);
    a.send("A1>IS four\r");
    await readAll(a);
    a.send("\nA1>IS five\n");
    expect(await events.lineCount(3)).toEqual(["M1.IE>IS STATUS", "A1>IS four", "A1>IS five"]);
    expect(events.junks()).toEqual([]);
  });
});

describe("ports that are missing or vanish, on the clock", () => {
  test("a device missing at start is reported down once, tried again every retryMs, and used when it appears; the other port serves meanwhile", async () => {
    const { binding, clock, devices, events, ports, opens, retry } = await started(["/dev/missing0", "/dev/ttyB"]);
    expect(events.states(0)).toEqual([{ up: false, reason: "ENOENT: No such file or directory (open)" }]);
    expect(events.states(1)).toEqual([{ up: true, reason: "open, 9600 baud 8N1 raw" }]);
    expect(opens("/dev/missing0")).toBe(1);

    // Three retry periods: three more attempts, still the one report, and port 1 serves throughout.
    for (let i = 0; i < 3; i++) await retry("/dev/missing0", 0);
    expect(opens("/dev/missing0")).toBe(4);
    expect(events.states(0)).toHaveLength(1);
    (devices.get("/dev/ttyB") as MemoryDevice).send("B1>IS PING\r");
    expect(await events.lineCount(1, 1)).toEqual(["B1>IS PING"]);
    // Nothing is tried between two retries.
    clock.advance(RETRY_MS - 1);
    expect(opens("/dev/missing0")).toBe(4);

    const late = binding.plug("/dev/missing0");
    clock.advance(1);
    expect(await events.nthState(2, 0)).toEqual({ up: true, reason: "open, 9600 baud 8N1 raw" });
    // Not its first report: a server PINGs a port that comes up after the start.
    expect(events.firsts(0)).toEqual([true, false]);
    late.send("A1>IS PING\r");
    expect(await events.lineCount(1, 0)).toEqual(["A1>IS PING"]);
    expect(ports.write(0, "IS>A1 PONG\r")).toBe(true);
    await waitUntil("the reply written", () => late.written === "IS>A1 PONG\r", { on: late.changed });
    expect(clock.pending).toBe(0);
  });

  test("a port that vanishes is reported down once, its partial line reported, the device released; it is retried and comes back", async () => {
    const { binding, devices, events, ports, retry } = await started(["/dev/ttyA"]);
    const first = devices.get("/dev/ttyA") as MemoryDevice;
    first.send("A1>IS PI"); // a partial line, cut off by the loss
    await readAll(first);
    binding.unplug("/dev/ttyA");
    expect(await events.nthState(2)).toEqual({ up: false, reason: "EIO: Input/output error (read)" });
    expect(events.junks()).toEqual(["partial line of 8 bytes dropped: port went down"]);
    await waitUntil("the vanished device released", () => first.port === undefined, { on: first.changed });
    expect(ports.isUp(0)).toBe(false);
    expect(ports.write(0, "IS>A1 PING\r")).toBe(false);

    for (let i = 0; i < 2; i++) await retry("/dev/ttyA", 0);
    expect(events.states()).toHaveLength(2);

    const second = binding.plug("/dev/ttyA");
    await retry("/dev/ttyA", 0);
    expect(await events.nthState(3)).toEqual({ up: true, reason: "open, 9600 baud 8N1 raw" });
    second.send("A1>IS PING\r");
    expect(await events.lineCount(1)).toEqual(["A1>IS PING"]);
    // What was queued for the old connection is not replayed on the new one.
    expect(second.written).toBe("");
  });
});

describe("a stuck line", () => {
  test("output queues up to maxBacklog; then heartbeats and STATUS: are shed, requests refused, replies kept; all goes out once it moves", async () => {
    const { devices, events, ports } = await started(["/dev/ttyA"], { maxBacklog: 2048 });
    const a = devices.get("/dev/ttyA") as MemoryDevice;
    a.stalled = true;
    const request = `IS>M1 ${"r".repeat(500)}\r`;
    // The first chunk goes to the (stuck) driver; the queue then fills to its bound.
    let accepted = 0;
    while (ports.write(0, request)) accepted++;
    expect(accepted).toBeGreaterThan(2);
    expect(accepted).toBeLessThan(10);
    expect(events.backlogs()).toEqual([expect.stringMatching(/^warning: output backlog full \(\d+ bytes queued\): shedding heartbeats and STATUS:/)]);
    // A reply still gets in (the reserve); a STATUS: line does not.
    expect(ports.write(0, "IS>M1 DONE: FILTER\r")).toBe(true);
    expect(ports.write(0, "IS>M1 STATUS: FILTER moving\r")).toBe(true); // taken, then shed for room when the next comes
    expect(ports.write(0, request)).toBe(false);

    a.stalled = false;
    await waitUntil("the backlog written", () => a.written.endsWith("IS>M1 DONE: FILTER\r"), { on: a.changed });
    await events.until(() => events.backlogs().length === 2, "the backlog cleared");
    expect(events.backlogs()[1]).toMatch(/^notice: output backlog cleared: \d+ heartbeat\/STATUS: lines shed, \d+ lines refused meanwhile$/);
    expect(a.written.split("\r").filter((l) => l.startsWith("IS>M1 rrr"))).toHaveLength(accepted);
    expect(ports.write(0, "IS>M1 again\r")).toBe(true);
  });

  test("close() lets queued output drain for up to drainMs on the clock, then closes the port anyway, and stops retrying", async () => {
    const { clock, devices, ports } = await started(["/dev/ttyA", "/dev/missing1"], { drainMs: 2000 });
    const a = devices.get("/dev/ttyA") as MemoryDevice;
    a.stalled = true;
    expect(ports.write(0, "IS>AL STATUS: MODE=OFFLINE IS=DISABLED Server Shutting Down\r")).toBe(true);
    let closed = false;
    const closing = ports.close().then(() => {
      closed = true;
    });
    // The retry of the missing port is cancelled; the drain's timeout is the one timer left.
    await waitUntil("the drain timeout set", () => clock.pending === 1);
    clock.advance(1999);
    // A turn of the event loop: every promise the memory binding could settle has settled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    clock.advance(1);
    await closing;
    expect(a.port).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  test("flush() drops a partial input line and answers true while up, false when down or out of range", async () => {
    const { binding, devices, events, ports } = await started(["/dev/ttyA"]);
    const a = devices.get("/dev/ttyA") as MemoryDevice;
    a.send("A1>IS HALF");
    await readAll(a);
    expect(await ports.flush(0)).toBe(true);
    a.send("WAY\rA1>IS PING\r");
    expect(await events.lineCount(2)).toEqual(["WAY", "A1>IS PING"]);
    expect(await ports.flush(3)).toBe(false);
    binding.unplug("/dev/ttyA");
    await events.nthState(2);
    expect(await ports.flush(0)).toBe(false);
  });
});
