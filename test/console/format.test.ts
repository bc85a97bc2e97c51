import { describe, expect, test } from "bun:test";
import { formatHistory, formatHostsTable, formatInfo, helpText, type InfoFacts } from "../../src/console/format.ts";
import { udpEndpoint } from "../../src/shared/endpoint.ts";

describe("formatHostsTable", () => {
  const now = 1_000_000;

  test("no clients: the old server's sentence", () => {
    expect(formatHostsTable([], 32, now)).toBe("No hosts currently connected to the ISIS server.");
  });

  test("one line per client with slot, name, method, address and idle seconds (3 decimals), then the slot count", () => {
    const text = formatHostsTable(
      [
        { slot: 0, name: "M1.ENV", endpoint: udpEndpoint("127.0.0.1", 10901), lastHeard: now - 1234 },
        { slot: 3, name: "M1.IE", endpoint: { kind: "serial", index: 1, device: "/dev/ttyS1" }, lastHeard: now - 12_000 },
      ],
      32,
      now,
    );
    const lines = text.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\s*Slot\s+Name\s+Method\s+Address\s+Idle \(s\)$/);
    expect(lines[1]?.split(/\s+/).filter(Boolean)).toEqual(["0", "M1.ENV", "UDP", "127.0.0.1:10901", "1.234"]);
    expect(lines[2]?.split(/\s+/).filter(Boolean)).toEqual(["3", "M1.IE", "Serial", "/dev/ttyS1", "(tty1)", "12.000"]);
    expect(lines[3]).toBe("2 of 32 host table slots in use");
  });

  test("columns line up: every row is as wide as the header", () => {
    const text = formatHostsTable([{ slot: 12, name: "IPC1", endpoint: udpEndpoint("10.0.0.1", 1), lastHeard: now }], 32, now);
    const [header, row] = text.split("\n");
    expect(row?.length).toBe(header?.length);
  });

  test("a clock that went backwards shows zero idle time, not a negative one", () => {
    const text = formatHostsTable([{ slot: 0, name: "A1", endpoint: udpEndpoint("10.0.0.1", 1), lastHeard: now + 500 }], 32, now);
    expect(text).toContain(" 0.000");
  });
});

describe("formatInfo", () => {
  const facts: InfoFacts = {
    serverId: "IS",
    hostAddr: "mods1:6600",
    port: 6600,
    rcFile: "/home/dts/Config/isis.ini",
    logFile: "/home/Logs/ISIS/isis.20250915.log",
    clients: ["IPC1", "M1.ENV"],
    maxHosts: 32,
    serialPorts: [
      { device: "/dev/ttyS0", up: true },
      { device: "/dev/ttyUSB0", up: false },
    ],
    presetPorts: [{ host: "192.168.139.131", port: 10901 }],
    verbose: false,
    logging: true,
    handshaking: true,
    cli: true,
    instrument: "MODS1",
    version: "4.0.0",
    compDate: "2025-09-15",
    compTime: "14:03:22",
  };

  test("names server, config, log, clients, serial and preset ports, flags, instrument and version", () => {
    expect(formatInfo(facts).split("\n")).toEqual([
      "Server      IS on UDP port 6600 (mods1:6600)",
      "Config      /home/dts/Config/isis.ini",
      "Log         /home/Logs/ISIS/isis.20250915.log",
      "Clients     2 of 32: IPC1 M1.ENV",
      "Serial      tty0=/dev/ttyS0 tty1=/dev/ttyUSB0 (DOWN)",
      "Presets     udp0=192.168.139.131:10901",
      "Flags       Concise +LOG +HANDSHAKE +CLI",
      "Instrument  MODS1",
      "Version     4.0.0 (2025-09-15 14:03:22)",
    ]);
  });

  test("none are said to be none, and flags follow the state", () => {
    const text = formatInfo({ ...facts, clients: [], serialPorts: [], presetPorts: [], verbose: true, logging: false, handshaking: false });
    expect(text).toContain("Clients     0 of 32\n");
    expect(text).toContain("Serial      none\n");
    expect(text).toContain("Presets     none\n");
    expect(text).toContain("Flags       Verbose -LOG -HANDSHAKE +CLI\n");
  });
});

describe("helpText", () => {
  test("lists every keyboard command, the send forms with the server's ID, and the server commands", () => {
    const text = helpText("M1", ["PING", "STATUS"]);
    for (const word of ["quit", "hosts", "info", "help", "verbose", "concise", "history"]) expect(text).toMatch(new RegExp(`^  ${word} `, "m"));
    expect(text).toContain("send 'M1>NAME text' to client NAME");
    expect(text).toContain("send 'M1>AL text' to every client");
    expect(text).toContain("PING STATUS");
  });
});

describe("formatHistory", () => {
  test("numbers lines from 1, oldest first", () => {
    expect(formatHistory(["ping", "status"])).toBe("   1  ping\n   2  status");
  });

  test("empty history says so", () => {
    expect(formatHistory([])).toBe("(no history)");
  });
});
