import { describe, expect, test } from "bun:test";
import { DEFAULT_SERVER_CONFIG } from "../../src/config/server-config.ts";
import { MAX_HOSTS } from "../../src/core/host-table.ts";
import { makeCore } from "./fixture.ts";

const texts = (sent: { text: string }[]) => sent.map((s) => s.text);

describe("routing", () => {
  test("a message to a known client is forwarded with upper-cased names and the body as received", () => {
    const f = makeCore();
    f.from(2000, "b1>is PING\r");
    const out = f.from(1000, "a1>b1 Filter  2 name='x y'\n");
    expect(out).toEqual([{ to: "127.0.0.1:2000", text: "A1>B1 Filter  2 name='x y'\r" }]);
  });

  test("an unknown destination gets the spec's ERROR", () => {
    const f = makeCore();
    expect(texts(f.from(1000, "A1>ZZ hello\r"))).toEqual(["IS>A1 ERROR: No Route to Destination Host ZZ - host is unknown/unlisted\r"]);
  });

  test("a heartbeat registers the sender, is logged, gets no reply", () => {
    const f = makeCore();
    expect(f.from(1000, "TCS>IS\r")).toEqual([]);
    expect(f.core.hosts.get("TCS")).toBeDefined();
    expect(f.logged).toContain("heartbeat TCS (127.0.0.1:1000)");
  });

  test("a new client is logged as the old server did, after the message that brought it, with that message's stamp", () => {
    const f = makeCore({}, { clockStepMs: 0.001 });
    f.from(10901, "M1.ENV>IS PING\r");
    expect(f.logged).toEqual(["M1.ENV>IS PING", "Added UDP Client M1.ENV on host 127.0.0.1:10901", "IS>M1.ENV PONG"]);
    expect(f.stamps[1]).toBe(f.stamps[0] as number);
    expect(f.stamps[2]).toBeGreaterThan(f.stamps[1] as number);
  });

  test("a move is logged after the heartbeat that showed it, stamped as it; stamps never go back", () => {
    const f = makeCore({}, { clockStepMs: 0.001 });
    f.from(2000, "B1>IS PING\r");
    f.advance(5);
    f.from(2001, "B1>IS\r");
    expect(f.logged.slice(-2)).toEqual(["heartbeat B1 (127.0.0.1:2001)", "Client B1 moved to 127.0.0.1:2001"]);
    expect(f.stamps.at(-1)).toBe(f.stamps.at(-2) as number);
    for (let i = 1; i < f.stamps.length; i++) expect(f.stamps[i]).toBeGreaterThanOrEqual(f.stamps[i - 1] as number);
  });

  test("a client that restarts on a new port is found there by its next message", () => {
    const f = makeCore();
    f.from(2000, "B1>IS PING\r");
    f.from(2001, "B1>IS\r");
    expect(f.from(1000, "A1>B1 x\r")[0]?.to).toBe("127.0.0.1:2001");
  });

  test("broadcast: the server answers, then every other client gets SRC>AL body once", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.from(3000, "C1>IS PING\r");
    f.from(3000, "C2>IS PING\r"); // a second name on the same socket
    const out = f.from(1000, "A1>ALL PING\r");
    expect(out).toEqual([
      { to: "127.0.0.1:1000", text: "IS>A1 PONG\r" },
      { to: "127.0.0.1:2000", text: "A1>AL PING\r" },
      { to: "127.0.0.1:3000", text: "A1>AL PING\r" },
    ]);
  });

  test("broadcast from a serial client goes to the other serial ports and all UDP clients", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true }, { device: "/dev/ttyS1", up: true }, { device: "/dev/ttyS2", up: false });
    f.from(1000, "A1>IS PING\r");
    const before = f.sent.length;
    f.core.receive("M1.IE>AL STATUS: ready\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(f.sent.slice(before)).toEqual([
      { to: "tty1", text: "M1.IE>AL STATUS: ready\r" },
      { to: "127.0.0.1:1000", text: "M1.IE>AL STATUS: ready\r" },
    ]);
  });

  test("a client behind a down serial port: the sender is told which port", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true });
    f.core.receive("M1.IE>IS PING\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    f.serial[0] = { device: "/dev/ttyS0", up: false };
    expect(texts(f.from(1000, "A1>M1.IE hi\r"))).toEqual(["IS>A1 ERROR: Cannot route to M1.IE - /dev/ttyS0 is down\r"]);
  });

  test("with the table full, an unknown sender is refused and nothing is routed", () => {
    const f = makeCore();
    for (let i = 0; i < MAX_HOSTS; i++) f.from(1000 + i, `C${i}>IS PING\r`);
    expect(texts(f.from(5000, "LATE>C1 hello\r"))).toEqual(["IS>LATE ERROR: Server Host Table Full, Cannot Service Request\r"]);
    expect(f.core.hosts.size).toBe(MAX_HOSTS);
  });

  test("malformed input is logged, never answered, and leaves the table alone", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    for (const junk of [`${"A".repeat(200)}>IS ping`, `A1>${"B".repeat(300)} x`, "x".repeat(5000), "no header", "A1>IS \0", ""]) {
      expect(f.from(1000, junk)).toEqual([]);
    }
    expect(f.core.hosts.entries().map((e) => e.name)).toEqual(["A1"]);
    expect(f.core.counters.malformed).toBe(4);
    expect(f.core.counters.controlBytes).toBe(1);
    expect(f.core.counters.oversized).toBe(1);
    expect(f.logged.filter((l) => l.startsWith("Ignored malformed")).length).toBe(6);
  });

  test("received messages and the server's replies are logged without terminators", () => {
    const f = makeCore();
    f.from(1000, "A1>IS ping\r");
    expect(f.logged).toEqual(["A1>IS ping", "Added UDP Client A1 on host 127.0.0.1:1000", "IS>A1 PONG"]);
  });
});

describe("server commands", () => {
  const ask = (body: string, setup?: (f: ReturnType<typeof makeCore>) => void) => {
    const f = makeCore();
    setup?.(f);
    return texts(f.from(1000, `A1>IS ${body}\r`));
  };

  test("PING, REQ: PING and EXEC: PING answer PONG; PONG is never answered", () => {
    expect(ask("PING")).toEqual(["IS>A1 PONG\r"]);
    expect(ask("REQ: PING")).toEqual(["IS>A1 PONG\r"]);
    expect(ask("exec: ping")).toEqual(["IS>A1 PONG\r"]);
    expect(ask("PONG")).toEqual([]);
  });

  test("replies to the server are shown, never answered", () => {
    const f = makeCore();
    for (const t of ["DONE: x", "STATUS: y", "ERROR: z", "WARNING: w", "FATAL: v"]) expect(f.from(1000, `A1>IS ${t}\r`)).toEqual([]);
    expect(f.toServer).toEqual(["A1> DONE: x", "A1> STATUS: y", "A1> ERROR: z", "A1> WARNING: w", "A1> FATAL: v"]);
  });

  test("STATUS has no stray newline and reports the flags", () => {
    expect(ask("status")).toEqual([
      "IS>A1 DONE: STATUS HostName=IS HostAddr=testhost:6600 rcFile=/etc/isis.ini logFile=/logs/isis.20250915.log numClients=1 Concise +LOG +HANDSHAKE -CLI\r",
    ]);
  });

  test("STATUS names serial ports that are down, and only then", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true }, { device: "/dev/ttyUSB0", up: false });
    expect(texts(f.from(1000, "A1>IS STATUS\r"))[0]).toEndWith(" +LOG +HANDSHAKE -CLI SerialDown=tty1\r");
  });

  test("VERSION", () => {
    expect(ask("VERSION")[0]).toMatch(
      /^IS>A1 DONE: VERSION Version='\d+\.\d+\.\d+' exeName=\/usr\/local\/bin\/isis rcFile=\/etc\/isis.ini UserID=dts CompDate=\S+ CompTime=\S+\r$/,
    );
  });

  test("HOSTS / HOST / HOST ALL list slots; HOST NAME details a client", () => {
    const setup = (f: ReturnType<typeof makeCore>) => {
      f.from(2000, "IPC1>IS PING\r");
      f.advance(1500);
    };
    for (const q of ["HOSTS", "HOST", "host all"]) {
      expect(ask(q, setup)).toEqual(["IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=IPC1 host1=A1\r"]);
    }
    expect(ask("HOST ipc1", setup)).toEqual(["IS>A1 DONE: HOST Host0=IPC1 Method0=UDP udpAddr0=127.0.0.1 udpPort0=2000 IdleTime0=1.500\r"]);
    expect(ask("HOST nobody", setup)).toEqual(["IS>A1 ERROR: HOST Unknown Host NOBODY\r"]);
  });

  test("HOST NAME for a serial client", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true });
    f.core.receive("M1.IE>IS PING\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(texts(f.from(1000, "A1>IS HOST M1.IE\r"))).toEqual(["IS>A1 DONE: HOST Host0=M1.IE Method0=Serial ttyPort0=0 Device0=/dev/ttyS0 IdleTime0=0.000\r"]);
  });

  test("HOSTS and CONFIG with no clients (asked from the console, which is not a client)", async () => {
    const f = makeCore();
    expect(await f.core.consoleCommand("HOSTS")).toBe("DONE: HOST No hosts currently connected to the ISIS server.");
    expect(await f.core.consoleCommand("CONFIG")).toBe("DONE: CONFIG NumClients=0");
  });

  test("LOG, TIME, CONFIG", () => {
    expect(ask("LOG")).toEqual(["IS>A1 DONE: LOG logFile=/logs/isis.20250915.log\r"]);
    expect(ask("TIME")).toEqual(["IS>A1 DONE: TIME DATE=2025-09-15 TIME=14:03:22 ISODATE=2025-09-15T14:03:22.123456 TIMESYS=UTC\r"]);
    expect(ask("CONFIG")).toEqual(["IS>A1 DONE: CONFIG A1=ENABLED\r"]);
  });

  test("PORTS with and without serial ports", () => {
    expect(ask("PORTS")).toEqual(["IS>A1 DONE: PORTS No serial ports connected.\r"]);
    const f = makeCore({ presetPorts: [{ host: "127.0.0.1", port: 10700 }] });
    f.serial.push({ device: "/dev/ttyS0", up: true }, { device: "/dev/ttyUSB0", up: false });
    expect(texts(f.from(1000, "A1>IS PORTS\r"))).toEqual([
      "IS>A1 DONE: PORTS NumSerial=2 MaxSerial=8 tty0=/dev/ttyS0 tty1=/dev/ttyUSB0 tty1State=DOWN NumPreset=1 MaxPreset=12 udp0=127.0.0.1:10700\r",
    ]);
  });

  test("UDPPING sends IS>AL PING to the address, and checks its arguments", () => {
    const f = makeCore();
    expect(f.from(1000, "A1>IS UDPPING 127.0.0.1 4555\r")).toEqual([
      { to: "127.0.0.1:4555", text: "IS>AL PING\r" },
      { to: "127.0.0.1:1000", text: "IS>A1 DONE: UDPPING Sent PING to 127.0.0.1:4555\r" },
    ]);
    expect(ask("UDPPING")).toEqual(["IS>A1 ERROR: UDPPING Blank IP address or port\r"]);
    expect(ask("UDPPING 127.0.0.1")).toEqual(["IS>A1 ERROR: UDPPING Blank IP address or port\r"]);
    expect(ask("UDPPING mods1 6600")).toEqual(["IS>A1 ERROR: UDPPING Invalid IPAddress 'mods1'\r"]);
    expect(ask("UDPPING 127.0.0.1 0")).toEqual(["IS>A1 ERROR: UDPPING Invalid port '0'\r"]);
  });

  test("HANDSHAKE pings serial ports that are up and every preset", () => {
    const f = makeCore({ presetPorts: [{ host: "127.0.0.1", port: 10700 }] });
    f.serial.push({ device: "/dev/ttyS0", up: true }, { device: "/dev/ttyS1", up: false });
    expect(texts(f.from(1000, "A1>IS HANDSHAKE\r"))).toEqual(["IS>AL PING\r", "IS>AL PING\r", "IS>A1 DONE: HANDSHAKE preset port handshake initiated\r"]);
    expect(f.sent.map((s) => s.to)).toEqual(["tty0", "127.0.0.1:10700", "127.0.0.1:1000"]);
  });

  test("REMOVE", () => {
    const setup = (f: ReturnType<typeof makeCore>) => f.from(2000, "B1>IS PING\r");
    expect(ask("REMOVE b1", setup)).toEqual(["IS>A1 DONE: REMOVE Host B1 removed from the host table\r"]);
    expect(ask("REMOVE zz")).toEqual(["IS>A1 ERROR: REMOVE Host ZZ unknown, not removed\r"]);
    expect(ask("REMOVE")).toEqual(["IS>A1 ERROR: REMOVE Must specify host to remove\r"]);
  });

  test("FLUSH", () => {
    const setup = (f: ReturnType<typeof makeCore>) => f.serial.push({ device: "/dev/ttyS0", up: true });
    expect(ask("FLUSH 0", setup)).toEqual(["IS>A1 DONE: FLUSH serial port 0 (/dev/ttyS0) flushed\r"]);
    expect(ask("FLUSH")).toEqual(["IS>A1 ERROR: FLUSH must specify port to flush\r"]);
    expect(ask("FLUSH 9")).toEqual(["IS>A1 ERROR: FLUSH port 9 out of range [0-7]\r"]);
    expect(ask("FLUSH 1", setup)).toEqual(["IS>A1 ERROR: FLUSH serial port 1 not enabled\r"]);
  });

  test("QUIT needs EXEC:; EXEC: QUIT replies, then quits", async () => {
    expect(ask("QUIT")).toEqual(["IS>A1 ERROR: QUIT can only be executed as an executive override command\r"]);
    const f = makeCore();
    expect(texts(f.from(1000, "A1>IS EXEC: QUIT\r"))).toEqual(["IS>A1 DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r"]);
    expect(f.quits()).toBe(0);
    await Promise.resolve();
    expect(f.quits()).toBe(1);
  });

  test("+LOG / -LOG switch the runtime log", () => {
    const f = makeCore();
    expect(texts(f.from(1000, "A1>IS -LOG\r"))).toEqual(["IS>A1 DONE: -LOG Runtime logging disabled\r"]);
    expect(f.core.control.logging()).toBe(false);
    expect(texts(f.from(1000, "A1>IS +log\r"))).toEqual(["IS>A1 DONE: +LOG Runtime logging enabled logFile=/logs/isis.20250915.log\r"]);
    expect(f.core.control.logging()).toBe(true);
  });

  test("RESTART keeps the host table, pings known clients and presets, then answers", async () => {
    const f = makeCore();
    f.from(2000, "B1>IS PING\r");
    f.setNextConfig({ ok: true, config: { ...DEFAULT_SERVER_CONFIG, presetPorts: [{ host: "127.0.0.1", port: 10700 }] } });
    f.from(1000, "A1>IS RESTART\r");
    await f.settled();
    expect(f.core.hosts.size).toBe(2);
    expect(f.sent.slice(-4)).toEqual([
      { to: "127.0.0.1:2000", text: "IS>B1 PING\r" },
      { to: "127.0.0.1:1000", text: "IS>A1 PING\r" },
      { to: "127.0.0.1:10700", text: "IS>AL PING\r" },
      { to: "127.0.0.1:1000", text: "IS>A1 DONE: RESTART rcFile=/etc/isis.ini numClients=2 numPreset=1 Server restarted, host table kept\r" },
    ]);
  });

  test("RESTART with an invalid config keeps the running one", async () => {
    const f = makeCore();
    f.setNextConfig({ ok: false, reason: "/etc/isis.ini:3: ServerPort 'x' is not a port number (0-65535)" });
    f.from(1000, "A1>IS RESTART\r");
    await f.settled();
    expect(f.sent.at(-1)?.text).toBe("IS>A1 ERROR: RESTART /etc/isis.ini:3: ServerPort 'x' is not a port number (0-65535) - running configuration kept\r");
    expect(f.core.config).toEqual(DEFAULT_SERVER_CONFIG);
  });

  test("an unknown command is named as typed", () => {
    expect(ask("frobnicate 1")).toEqual(["IS>A1 ERROR: Unrecognized ISIS command - frobnicate\r"]);
  });
});
