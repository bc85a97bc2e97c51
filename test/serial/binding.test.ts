// TermiosBinding against the @serialport/bindings-interface contract, on real ptys.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TermiosBinding, type TermiosPort } from "../../src/transport/serial/binding.ts";
import { SerialError } from "../../src/transport/serial/errors.ts";
import { fdsOpenOn, openPty, type Pty, termiosOf } from "../helpers/pty.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function opened(): Promise<{ pty: Pty; port: TermiosPort }> {
  const pty = openPty();
  cleanups.push(() => pty.close());
  const port = await TermiosBinding.open({ path: pty.slavePath, baudRate: 9600 });
  cleanups.push(() => port.close());
  return { pty, port };
}

async function rejection(promise: Promise<unknown>): Promise<SerialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SerialError);
  return error as SerialError;
}

describe("TermiosBinding.open", () => {
  test("a missing device rejects with code ENOENT and the errno text", async () => {
    const error = await rejection(TermiosBinding.open({ path: "/nonexistent/ttyUSB7", baudRate: 9600 }));
    expect(error.code).toBe("ENOENT");
    expect(error.message).toBe("ENOENT: No such file or directory (open)");
    expect(error.canceled).toBe(false);
  });

  test("a path that is not a tty rejects with ENOTTY and leaves no fd open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "isis-binding-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "not-a-tty");
    writeFileSync(file, "");
    const error = await rejection(TermiosBinding.open({ path: file, baudRate: 9600 }));
    expect(error.code).toBe("ENOTTY");
    expect(fdsOpenOn(file)).toEqual([]);
  });

  test("a baud rate termios cannot express rejects with EINVAL before opening anything", async () => {
    const pty = openPty();
    cleanups.push(() => pty.close());
    const error = await rejection(TermiosBinding.open({ path: pty.slavePath, baudRate: 12345 }));
    expect(error.code).toBe("EINVAL");
    expect(fdsOpenOn(pty.slavePath)).toEqual([]);
  });
});

describe("an open TermiosPort", () => {
  test("read() resolves with at least one byte once the client sends", async () => {
    const { pty, port } = await opened();
    const buffer = Buffer.alloc(64);
    const reading = port.read(buffer, 10, 54);
    pty.write("A1>IS PING\r");
    const { bytesRead } = await reading;
    expect(bytesRead).toBeGreaterThan(0);
    expect(buffer.toString("latin1", 10, 10 + bytesRead)).toBe("A1>IS PING\r".slice(0, bytesRead));
  });

  test("read() never returns more than asked; the rest comes with the next read", async () => {
    const { pty, port } = await opened();
    pty.write("ABCDEFGH");
    const buffer = Buffer.alloc(8);
    let text = "";
    while (text.length < 8) {
      const { bytesRead } = await port.read(buffer, 0, 3);
      expect(bytesRead).toBeGreaterThan(0);
      expect(bytesRead).toBeLessThanOrEqual(3);
      text += buffer.toString("latin1", 0, bytesRead);
    }
    expect(text).toBe("ABCDEFGH");
  });

  test("a read in progress when the port closes rejects with canceled: true (the contract's flag)", async () => {
    const { port } = await opened();
    // read() is waiting on the fd by the time it hands back its promise (nothing arrives: nothing was written).
    const reading = port.read(Buffer.alloc(16), 0, 16);
    await port.close();
    const error = await rejection(reading);
    expect(error.canceled).toBe(true);
    expect((await rejection(port.write(Buffer.from("x")))).canceled).toBe(true);
  });

  test("a read when the other end hangs up rejects with a disconnect error, not canceled", async () => {
    const { pty, port } = await opened();
    const reading = port.read(Buffer.alloc(16), 0, 16);
    pty.close();
    const error = await rejection(reading);
    expect(error.canceled).toBe(false);
    expect(error.code).toMatch(/^(EIO|ENXIO|ENODEV|EOF)$/);
  });

  test("update() changes the baud rate the driver reports; getBaudRate() reads it back", async () => {
    const { pty, port } = await opened();
    expect(await port.getBaudRate()).toEqual({ baudRate: 9600 });
    await port.update({ baudRate: 19200 });
    expect(await port.getBaudRate()).toEqual({ baudRate: 19200 });
    expect(termiosOf(pty.masterFd).ospeed).toBe(0o16); // B19200, seen from the other side
    expect((await rejection(port.update({ baudRate: 12345 }))).code).toBe("EINVAL");
  });

  test("drain() resolves once written data has left the port", async () => {
    const { pty, port } = await opened();
    await port.write(Buffer.from("IS>A1 PONG\r"));
    await port.drain();
    expect(await pty.next()).toBe("IS>A1 PONG");
  });
});

test("list() names only devices with a driver behind them, as /dev paths", async () => {
  const pty = openPty();
  cleanups.push(() => pty.close());
  const ports = await TermiosBinding.list();
  for (const info of ports) {
    expect(info.path).toMatch(/^\/dev\/tty/);
    expect(existsSync(info.path)).toBe(true);
  }
  expect(ports.map((p) => p.path)).not.toContain(pty.slavePath);
});
