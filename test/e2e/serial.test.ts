// The compiled server with serial clients on real pseudo-terminals: the test
// plays each RS-232 agent on a pty master; the server opens the slave through
// a symlink (so "unplugging" can remove the path, as udev does).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { openPty, type Pty } from "../helpers/pty.ts";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

let server: RunningServer;
let dir: string;
let tty0: Pty;
let tty1: Pty;
let udp: UdpClient;
let other: UdpClient;
const link = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = makeTempDir("isis-serial-");
  tty0 = openPty();
  tty1 = openPty();
  symlinkSync(tty0.slavePath, link("ttyA"));
  symlinkSync(tty1.slavePath, link("ttyB"));
  server = await startServer({ config: `TTYPort ${link("ttyA")}\nTTYPort ${link("ttyB")}\nTTYPort ${link("ttyMissing")}\n` });
  // The cold-start handshake PINGs every serial port that is up.
  expect(await tty0.next()).toBe("IS>AL PING");
  expect(await tty1.next()).toBe("IS>AL PING");
  udp = await UdpClient.open();
  other = await UdpClient.open();
  expect(await udp.request("A1>IS PING\r", server.port)).toBe("IS>A1 PONG\r");
  expect(await other.request("B1>IS PING\r", server.port)).toBe("IS>B1 PONG\r");
});

afterAll(async () => {
  udp?.close();
  other?.close();
  await server?.stop();
  for (const p of [tty0, tty1]) if (p && !p.closed) p.close();
});

// Whatever ran before, and in whatever order: the serial agents are known, M1.IE on port 0 and M1.CB on port 1.
beforeEach(async () => {
  for (const [pty, name] of [
    [tty0, "M1.IE"],
    [tty1, "M1.CB"],
  ] as const) {
    pty.write(`${name}>IS PING\r`);
    expect(await pty.next()).toBe(`IS>${name} PONG`);
  }
});

describe("serial clients", () => {
  test("a PING over serial is answered over serial, and the client enters the table", async () => {
    tty0.write("M1.IE>IS PING\r");
    expect(await tty0.next()).toBe("IS>M1.IE PONG");
    expect(await udp.request("A1>IS HOST M1.IE\r", server.port)).toMatch(
      new RegExp(`^IS>A1 DONE: HOST Host2=M1.IE Method2=Serial ttyPort2=0 Device2=${link("ttyA")} IdleTime2=\\d+\\.\\d{3}\\r$`),
    );
  });

  test("UDP to serial and serial to UDP, both ways", async () => {
    udp.send("A1>M1.IE FILTER 2\r", server.port);
    expect(await tty0.next()).toBe("A1>M1.IE FILTER 2");
    tty0.write("M1.IE>A1 STATUS: FILTER moving\r");
    tty0.write("M1.IE>A1 DONE: FILTER FILTPOS=2\r");
    expect(await udp.next()).toBe("M1.IE>A1 STATUS: FILTER moving\r");
    expect(await udp.next()).toBe("M1.IE>A1 DONE: FILTER FILTPOS=2\r");
  });

  test("a message split across writes, and several in one write, with \\r, \\n and \\r\\n endings", async () => {
    // The server may read the pieces apart or together (the kernel decides): either way one message.
    // That pieces read apart make one line is checked read by read in test/serial/ (port-logic, serial-ports).
    for (const piece of ["M1.I", "E>IS P", "I", "NG\r"]) tty0.write(piece);
    expect(await tty0.next()).toBe("IS>M1.IE PONG");
    tty0.write("M1.IE>A1 one\rM1.IE>A1 two\nM1.IE>A1 three\r\n");
    expect(await udp.next()).toBe("M1.IE>A1 one\r");
    expect(await udp.next()).toBe("M1.IE>A1 two\r");
    expect(await udp.next()).toBe("M1.IE>A1 three\r");
  });

  test("line noise is dropped and the next message still gets through", async () => {
    tty0.write("\x00\x01\xff garbage\r>>\r");
    tty0.write("M1.IE>IS PING\r");
    expect(await tty0.next()).toBe("IS>M1.IE PONG");
  });

  test("a serial client's broadcast goes to the other serial port and every UDP client, not back", async () => {
    tty1.write("M1.CB>IS PING\r");
    expect(await tty1.next()).toBe("IS>M1.CB PONG");
    tty0.write("M1.IE>AL STATUS: IE ready\r");
    expect(await tty1.next()).toBe("M1.IE>AL STATUS: IE ready");
    expect(await udp.next()).toBe("M1.IE>AL STATUS: IE ready\r");
    expect(await other.next()).toBe("M1.IE>AL STATUS: IE ready\r");
    // Not back to its sender: the server writes to a port in order, so the next line on tty0 is the answer to this.
    tty0.write("M1.IE>IS PING\r");
    expect(await tty0.next()).toBe("IS>M1.IE PONG");
  });

  test("a UDP client's broadcast goes to every serial port and the other UDP clients", async () => {
    udp.send("A1>AL STATUS: A1 ready\r", server.port);
    expect(await tty0.next()).toBe("A1>AL STATUS: A1 ready");
    expect(await tty1.next()).toBe("A1>AL STATUS: A1 ready");
    expect(await other.next()).toBe("A1>AL STATUS: A1 ready\r");
    // Not back to its sender: had the server sent A1 anything before, it would arrive before this PONG.
    expect(await udp.request("A1>IS PING\r", server.port)).toBe("IS>A1 PONG\r");
  });

  test("PORTS lists the ports and shows the missing one as down; STATUS too", async () => {
    expect(await udp.request("A1>IS PORTS\r", server.port)).toBe(
      `IS>A1 DONE: PORTS NumSerial=3 MaxSerial=8 tty0=${link("ttyA")} tty1=${link("ttyB")} tty2=${link("ttyMissing")} tty2State=DOWN NumPreset=0 MaxPreset=12\r`,
    );
    expect(await udp.request("A1>IS STATUS\r", server.port)).toEndWith(" -CLI SerialDown=tty2\r");
  });

  test("FLUSH K", async () => {
    expect(await udp.request("A1>IS FLUSH 1\r", server.port)).toBe(`IS>A1 DONE: FLUSH serial port 1 (${link("ttyB")}) flushed\r`);
    expect(await udp.request("A1>IS FLUSH 2\r", server.port)).toBe("IS>A1 ERROR: FLUSH serial port 2 not enabled\r");
    expect(await udp.request("A1>IS FLUSH 5\r", server.port)).toBe("IS>A1 ERROR: FLUSH serial port 5 not enabled\r");
  });

  test("a port missing at start comes up when its device appears, and is PINGed", async () => {
    const late = openPty();
    symlinkSync(late.slavePath, link("ttyMissing"));
    expect(await late.next(6000)).toBe("IS>AL PING");
    late.write("M1.LT>IS PONG\r");
    // Its PONG has been read (and M1.LT is in the table) once the answer to the next line comes back.
    late.write("M1.LT>IS PING\r");
    expect(await late.next()).toBe("IS>M1.LT PONG");
    udp.send("A1>M1.LT hello\r", server.port);
    expect(await late.next()).toBe("A1>M1.LT hello");
    expect(await udp.request("A1>IS STATUS\r", server.port)).toEndWith(" -CLI\r");
    late.close();
    unlinkSync(link("ttyMissing"));
    // Gone again, as at start (the next test may look at PORTS).
    await waitUntil("port 2 reported down again", () => server.lines.filter((l) => /^\S+ Serial port 2 .* is down/.test(l)).length === 2, {
      seen: () => server.lines.join("\n"),
    });
  });

  test("a port that vanishes is reported down, refused with an ERROR naming it, and recovered when it returns", async () => {
    tty0.close(); // the adapter is pulled: the server reads EIO
    unlinkSync(link("ttyA"));
    await server.waitFor(/Serial port 0 \(.*\) is down/);
    expect(await udp.request("A1>IS PORTS\r", server.port)).toContain(`tty0=${link("ttyA")} tty0State=DOWN`);
    expect(await udp.request("A1>M1.IE FILTER 3\r", server.port)).toBe(`IS>A1 ERROR: Cannot route to M1.IE - ${link("ttyA")} is down\r`);
    // Everyone else is still served meanwhile.
    expect(await udp.request("A1>IS PING\r", server.port)).toBe("IS>A1 PONG\r");
    udp.send("A1>M1.CB still there\r", server.port);
    expect(await tty1.next()).toBe("A1>M1.CB still there");

    tty0 = openPty(); // plugged in again (a new pty behind the same path)
    symlinkSync(tty0.slavePath, link("ttyA"));
    expect(await tty0.next(6000)).toBe("IS>AL PING");
    tty0.write("M1.IE>IS PONG\r");
    udp.send("A1>M1.IE FILTER 3\r", server.port);
    expect(await tty0.next()).toBe("A1>M1.IE FILTER 3");
    const journal = server.lines.join("\n");
    expect(journal).toContain(`Serial port 0 (${link("ttyA")}) is down`);
    expect(journal.match(/Serial port 0 .* is down/g)).toHaveLength(1);
  });
});
