// SerialPorts on real pseudo-terminals: the pty slave is the "serial device",
// the test is the client on the master side. The real bun:ffi termios binding
// runs underneath; nothing is mocked. Retries run on a manual clock, and the
// binding is watched (Tap) so a test waits for the bytes to have been read,
// never for a fixed time. port-logic.test.ts runs the same stack in memory.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BindingInterface, BindingPortInterface, OpenOptions } from "@serialport/bindings-interface";
import { TermiosBinding } from "../../src/transport/serial/binding.ts";
import { type SerialOptions, SerialPorts } from "../../src/transport/serial/index.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";
import { fdFlags, fdsOpenOn, openPty, type Pty, termiosOf } from "../helpers/pty.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";
import { Recorder } from "./recorder.ts";

/** The termios binding, counting its opens and the bytes its ports read, so tests wait for those events. */
class Tap implements BindingInterface {
  opens = 0;
  bytesRead = 0;
  readonly changed = new Changes();

  list() {
    return TermiosBinding.list();
  }

  async open(options: OpenOptions): Promise<BindingPortInterface> {
    this.opens++;
    this.changed.notify();
    const port = await TermiosBinding.open(options);
    const read = port.read.bind(port);
    port.read = async (buffer, offset, length) => {
      const result = await read(buffer, offset, length);
      this.bytesRead += result.bytesRead;
      this.changed.notify();
      return result;
    };
    return port;
  }

  /** Wait until the ports have read `n` bytes in all. */
  async read(n: number): Promise<void> {
    await waitUntil(`${n} bytes read`, () => this.bytesRead >= n, { on: this.changed, seen: () => `${this.bytesRead} read` });
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function pty(): Pty {
  const p = openPty();
  cleanups.push(() => p.close());
  return p;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "isis-serial-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A path the test can point at any pty, or at nothing, like a udev symlink. */
function repoint(link: string, target: string | undefined): void {
  rmSync(link, { force: true });
  if (target) symlinkSync(target, link);
}

const RETRY_MS = 100;

async function started(devices: string[], options: Partial<SerialOptions> = {}) {
  const events = new Recorder();
  const tap = new Tap();
  const clock = new ManualScheduler();
  const ports = new SerialPorts(devices, events, { binding: tap, scheduler: clock, retryMs: RETRY_MS, ...options });
  cleanups.push(() => ports.close());
  await ports.start();
  /** Move the clock to the next retry and wait until that attempt has settled (the next retry set, or the port up). */
  const retry = async (index: number) => {
    const before = tap.opens;
    await waitUntil("a retry set", () => clock.pending > 0);
    clock.advance(RETRY_MS);
    await waitUntil("the retry", () => tap.opens === before + 1, { on: tap.changed });
    await waitUntil("the retry settled", () => clock.pending > 0 || ports.isUp(index));
  };
  return { ports, events, tap, clock, retry };
}

/** Open one pty and a SerialPorts on its slave, and wait until the port is up. */
async function onePort(options: Partial<SerialOptions> = {}) {
  const p = pty();
  const { ports, events, tap } = await started([p.slavePath], options);
  expect(events.states()).toEqual([{ up: true, reason: expect.any(String) }]);
  return { pty: p, ports, events, tap };
}

describe("reading lines from a port", () => {
  test("a message written in pieces, each read before the next is written, arrives as one line", async () => {
    const { pty, events, tap } = await onePort();
    pty.write("M1.IE>IS ST");
    await tap.read(11);
    pty.write("AT");
    await tap.read(13);
    pty.write("US\r");
    expect(await events.lineCount(1)).toEqual(["M1.IE>IS STATUS"]);
  });

  test("several messages in one write arrive as separate lines, in order", async () => {
    const { pty, events } = await onePort();
    pty.write("A1>IS PING\rB2>AL hello there\rC3>IS\r");
    expect(await events.lineCount(3)).toEqual(["A1>IS PING", "B2>AL hello there", "C3>IS"]);
  });

  test("\\r, \\n and \\r\\n endings each end one message; nothing is translated by the tty", async () => {
    const { pty, events, tap } = await onePort();
    pty.write("A1>IS one\r");
    pty.write("A1>IS two\n");
    pty.write("A1>IS three\r\n");
    pty.write("A1>IS four\r");
    await tap.read(44);
    pty.write("\nA1>IS five\n");
    expect(await events.lineCount(5)).toEqual(["A1>IS one", "A1>IS two", "A1>IS three", "A1>IS four", "A1>IS five"]);
    expect(events.junks()).toEqual([]);
  });

  test("line noise (NUL bytes, control bytes, an overlong line) is reported as junk and the next message still arrives", async () => {
    const { pty, events } = await onePort();
    pty.write(new Uint8Array([0, 0, 0xff, 0x13, 13]));
    pty.write(`A1>IS ${"x".repeat(3000)}`);
    pty.write("x".repeat(1000));
    pty.write("\rA1>IS \x07bell\rA1>IS PING\r");
    expect(await events.lineCount(1)).toEqual(["A1>IS PING"]);
    expect(events.junks()).toEqual([
      "line of 4 bytes dropped: NUL byte in it",
      "line longer than 2047 bytes dropped (discarding up to the next terminator)",
      "line of 11 bytes dropped: control byte 0x07 in it",
    ]);
    expect(events.states()).toEqual([{ up: true, reason: expect.any(String) }]);
  });

  test("bytes above 127 arrive one char per byte (latin1)", async () => {
    const { pty, events } = await onePort();
    pty.write(new Uint8Array([...Buffer.from("A1>IS "), 0xb0, 0xe9, 13]));
    expect(await events.lineCount(1)).toEqual(["A1>IS \u00b0\u00e9"]);
  });
});

describe("writing to a port", () => {
  test("write() sends the text byte for byte (latin1) and the client reads it", async () => {
    const { pty, ports } = await onePort();
    expect(ports.write(0, "IS>M1.IE PONG\r")).toBe(true);
    expect(ports.write(0, "IS>M1.IE DONE: T=20\u00b0\r")).toBe(true);
    const sent = "IS>M1.IE PONG\rIS>M1.IE DONE: T=20\u00b0\r";
    expect(await pty.readBytes(sent.length)).toBe(sent);
  });

  test("a message is one line on the port: a CR or LF inside it goes out escaped, never as a second line", async () => {
    const { pty, ports } = await onePort();
    expect(ports.write(0, "IS>M1.IE STATUS: x\rIS>M1.IE EXEC: QUIT\nY\r")).toBe(true);
    expect(ports.write(0, "IS>M1.IE PONG\tok\r")).toBe(true);
    const sent = "IS>M1.IE STATUS: x\\x0dIS>M1.IE EXEC: QUIT\\x0aY\rIS>M1.IE PONG\tok\r";
    expect(await pty.readBytes(sent.length)).toBe(sent);
  });

  test("the port does not echo what the client sends", async () => {
    const { pty, ports, events } = await onePort();
    pty.write("A1>IS PING\r");
    await events.lineCount(1);
    // An echo is made by the tty as the bytes arrive, before the port reads them: it would come before the answer.
    expect(ports.write(0, "IS>A1 PONG\r")).toBe(true);
    expect(await pty.next()).toBe("IS>A1 PONG");
  });

  test("write() to a port that is down or out of range returns false", async () => {
    const { ports } = await started(["/nonexistent/ttyS9"]);
    expect(ports.write(0, "IS>X PING\r")).toBe(false);
    expect(ports.write(5, "IS>X PING\r")).toBe(false);
  });
});

describe("the opened device", () => {
  test("is set raw, 9600 baud both ways, 8N1, no echo, no flow control, modem lines ignored, VMIN 1", async () => {
    const { pty } = await onePort();
    const fds = fdsOpenOn(pty.slavePath);
    expect(fds.length).toBeGreaterThan(0);
    const t = termiosOf(fds[0] as number);
    const B9600 = 0o15;
    expect(t.ispeed).toBe(B9600);
    expect(t.ospeed).toBe(B9600);
    // c_cflag: CS8, no PARENB, no CSTOPB, no CRTSCTS, CREAD and CLOCAL on.
    expect(t.cflag & 0o60).toBe(0o60);
    expect(t.cflag & (0o400 | 0o100 | 0o20000000000)).toBe(0);
    expect(t.cflag & (0o200 | 0o4000)).toBe(0o200 | 0o4000);
    // c_lflag: no ICANON, ECHO, ECHONL, ISIG, IEXTEN.
    expect(t.lflag & (0o2 | 0o10 | 0o100 | 0o1 | 0o100000)).toBe(0);
    // c_iflag: no CR/NL translation, no XON/XOFF, no stripping.
    expect(t.iflag & (0o400 | 0o200 | 0o100 | 0o2000 | 0o10000 | 0o40)).toBe(0);
    // c_oflag: no output processing.
    expect(t.oflag & 0o1).toBe(0);
    expect(t.vmin).toBe(1);
    expect(t.vtime).toBe(0);
  });

  test("is opened non-blocking and close-on-exec, so no read can block and no child inherits it", async () => {
    const { pty } = await onePort();
    const fds = fdsOpenOn(pty.slavePath);
    expect(fds.length).toBeGreaterThan(0);
    for (const fd of fds) {
      const flags = fdFlags(fd);
      expect(flags & 0o4000).toBe(0o4000); // O_NONBLOCK
      expect(flags & 0o2000000).toBe(0o2000000); // O_CLOEXEC
    }
  });
});

describe("ports that are missing or vanish", () => {
  test("a device missing at start is reported down once, retried, and used when it appears; the other port serves meanwhile", async () => {
    const dir = tempDir();
    const link = join(dir, "ttyUSB0");
    const live = pty();
    const { ports, events, tap, retry } = await started([link, live.slavePath]);
    expect(events.states(0)).toEqual([{ up: false, reason: "ENOENT: No such file or directory (open)" }]);
    expect(ports.isUp(0)).toBe(false);
    expect(ports.isUp(1)).toBe(true);

    // Three retry periods pass: three more attempts, still one report, and port 1 works throughout.
    live.write("B1>IS PING\r");
    expect(await events.lineCount(1, 1)).toEqual(["B1>IS PING"]);
    const opens = tap.opens;
    for (let i = 0; i < 3; i++) await retry(0);
    expect(tap.opens).toBe(opens + 3);
    expect(events.states(0)).toHaveLength(1);

    const late = pty();
    repoint(link, late.slavePath);
    await retry(0);
    expect(await events.nthState(2, 0)).toEqual({ up: true, reason: expect.any(String) });
    expect(ports.isUp(0)).toBe(true);
    late.write("A1>IS PING\r");
    expect(await events.lineCount(1, 0)).toEqual(["A1>IS PING"]);
    expect(ports.write(0, "IS>A1 PONG\r")).toBe(true);
    expect(await late.next()).toBe("IS>A1 PONG");
  });

  test("a port that vanishes at run time is reported down once, its fd is closed, and it recovers when the path is live again", async () => {
    const dir = tempDir();
    const link = join(dir, "ttyUSB0");
    const first = pty();
    repoint(link, first.slavePath);
    const { ports, events, tap, retry } = await started([link]);
    expect(events.states()).toEqual([{ up: true, reason: expect.any(String) }]);
    expect(fdsOpenOn(first.slavePath).length).toBeGreaterThan(0);

    first.write("A1>IS PI"); // a partial line, cut off by the loss
    await tap.read(8);
    // The adapter is pulled: the slave hangs up and udev removes the node. (Removing
    // the link matters: the freed pts number may go to another process's pty.)
    first.close();
    repoint(link, undefined);
    expect(await events.nthState(2)).toEqual({ up: false, reason: expect.stringMatching(/^(EIO|ENXIO|ENODEV|EOF)\b/) });
    expect(ports.isUp(0)).toBe(false);
    expect(ports.write(0, "IS>A1 PING\r")).toBe(false);
    expect(events.junks()).toEqual(["partial line of 8 bytes dropped: port went down"]);
    // The device is released at once (Bun closes its dup of the fd on its own
    // thread, a moment later), so a replugged adapter can get its old name back.
    await waitUntil("the vanished device closed", () => fdsOpenOn(first.slavePath).length === 0, { timeoutMs: 3000 });

    // The missing path keeps failing on retry; no more reports.
    for (let i = 0; i < 3; i++) await retry(0);
    expect(events.states()).toHaveLength(2);

    const second = pty();
    repoint(link, second.slavePath);
    await retry(0);
    expect(await events.nthState(3)).toEqual({ up: true, reason: expect.any(String) });
    second.write("A1>IS PING\r");
    expect(await events.lineCount(1)).toEqual(["A1>IS PING"]);
    expect(ports.write(0, "IS>A1 PONG\r")).toBe(true);
    expect(await second.next()).toBe("IS>A1 PONG");
    expect(events.states()).toHaveLength(3);
  });
});

describe("flush and close", () => {
  test("flush() drops a partial input line and answers true when up, false when down or out of range", async () => {
    const link = join(tempDir(), "ttyS0");
    const pty = openPty();
    cleanups.push(() => pty.close());
    repoint(link, pty.slavePath);
    const { ports, events, tap } = await started([link]);
    pty.write("A1>IS HALF");
    await tap.read(10);
    expect(await ports.flush(0)).toBe(true);
    pty.write("WAY\rA1>IS PING\r");
    expect(await events.lineCount(2)).toEqual(["WAY", "A1>IS PING"]);
    expect(await ports.flush(3)).toBe(false);
    pty.close();
    repoint(link, undefined);
    await events.nthState(2);
    expect(await ports.flush(0)).toBe(false);
  });

  test("close() lets queued output go out, stops the retries and releases the devices", async () => {
    const dir = tempDir();
    const link = join(dir, "ttyS1");
    const p = pty();
    const { ports, events, clock } = await started([p.slavePath, link], { maxBacklog: 1 << 20 });
    p.write("A1>IS PING\r"); // the port is in full use: a read is pending when close() comes
    await events.lineCount(1);
    // More than the kernel buffers, so most of it is still queued in the process at close().
    const line = `IS>AL ${"b".repeat(1017)}\r`;
    const bulk = line.repeat(128);
    const last = "IS>AL STATUS: MODE=OFFLINE IS=DISABLED Server Shutting Down\r";
    for (let i = 0; i < 128; i++) expect(ports.write(0, line)).toBe(true);
    expect(ports.write(0, last)).toBe(true);
    const closing = ports.close();
    expect(await p.readBytes(bulk.length + last.length, 5000)).toBe(bulk + last);
    await closing;
    await waitUntil("the device closed", () => fdsOpenOn(p.slavePath).length === 0, { timeoutMs: 3000 });
    expect(ports.isUp(0)).toBe(false);

    // No retry is left to open the device that appears now.
    const late = pty();
    repoint(link, late.slavePath);
    expect(clock.pending).toBe(0);
    clock.advance(10 * RETRY_MS);
    expect(events.states(1)).toEqual([{ up: false, reason: expect.any(String) }]);
    expect(existsSync(link)).toBe(true);
    expect(fdsOpenOn(late.slavePath)).toEqual([]);
  });
});

describe("the event loop", () => {
  test("the event loop keeps turning while ports idle and while a client that stops reading leaves writes pending", async () => {
    const { pty, ports } = await onePort({ maxBacklog: 1 << 20 });
    const quiet = openPty(); // a second, idle port
    cleanups.push(() => quiet.close());
    const second = new SerialPorts([quiet.slavePath], new Recorder(), { binding: TermiosBinding });
    cleanups.push(() => second.close());
    await second.start();

    await loopTurns(20);

    // 256 KiB to a client that reads nothing: far more than the kernel buffers,
    // so writes hit EAGAIN and wait. The loop must keep turning meanwhile.
    const message = `IS>AL ${"p".repeat(1017)}\r`;
    let queued = 0;
    for (let i = 0; i < 256; i++) {
      expect(ports.write(0, message)).toBe(true);
      queued += message.length;
    }
    await loopTurns(20);
    expect(pty.peek().length).toBeLessThan(queued); // proof the writes were still pending

    // Once the client reads again, every byte arrives, in order.
    const all = await pty.readBytes(queued, 10000);
    expect(all).toBe(message.repeat(256));
  });

  test("a client that never reads makes write() refuse past maxBacklog instead of queueing without bound", async () => {
    const { pty, ports } = await onePort({ maxBacklog: 8192 });
    let accepted = 0;
    while (ports.write(0, `IS>AL ${"q".repeat(1017)}\r`)) {
      accepted++;
      if (accepted > 10000) break;
    }
    // The kernel takes its share first; then our queue fills to maxBacklog.
    expect(accepted).toBeLessThan(10000);
    expect(ports.isUp(0)).toBe(true);
    // The client reads again: everything accepted arrives, and writes are taken again.
    await pty.readBytes(accepted * 1024, 5000);
    expect(ports.write(0, "IS>AL again\r")).toBe(true);
    expect(await pty.next()).toBe("IS>AL again");
  });
});

/**
 * The event loop keeps turning: a 10 ms interval ticks `turns` times. Were
 * the loop blocked (a read or write that waits in the kernel), it never
 * would and the test would time out; how late the ticks are depends on the
 * machine's load, so it is not asserted.
 */
async function loopTurns(turns: number): Promise<void> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    await waitUntil(`${turns} turns of the event loop`, () => ticks >= turns, { timeoutMs: 20_000 });
  } finally {
    clearInterval(timer);
  }
}
