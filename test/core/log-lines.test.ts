// Every line the routing core writes to the runtime log is a message or a
// note of the grammar (src/protocol/log-grammar.ts), so `isis log` reads it:
// a night of losses, loops and a table that heals, each line read back the
// way `isis log` reads a file.
import { expect, test } from "bun:test";
import { MAX_HOSTS } from "../../src/core/host-table.ts";
import { parseEntry } from "../../src/forensics/entry.ts";
import type { UdpEndpoint } from "../../src/shared/endpoint.ts";
import { formatIsoMicros } from "../../src/shared/timestamp.ts";
import { makeCore } from "./fixture.ts";

test("every line the core logs through losses, loops, evictions and removals is a message or a grammar note", async () => {
  const f = makeCore({ presetPorts: [{ host: "127.0.0.1", port: 6600 }] });
  const tty = { kind: "serial", index: 0, device: "/dev/ttyS0" } as const;
  f.serial.push({ device: "/dev/ttyS0", up: true });
  f.core.checkPresets();
  f.core.receive("M1.IE>IS PING\r", tty);
  f.from(1000, "A1>IS PING\r");
  f.from(2000, "B1>IS PING\r");
  // Losses: came back (with clients there, none, no address), the kernel refused, a serial port down (routed and reply).
  f.from(1000, "A1>B1 FILTER 2\r");
  f.core.unreachable(f.udp(2000), "port unreachable", "A1>B1 FILTER 2\r");
  f.core.unreachable(f.udp(9999), "port unreachable", "IS>AL PING\r");
  f.core.unreachable(undefined, "port unreachable", "");
  f.core.notSent(f.udp(2000), "A1>B1 FILTER 3\r", "socket send buffer full");
  f.core.notSent(f.udp(9998), "IS>AL PING\r", "socket send buffer full");
  f.advance(1500);
  f.from(2000, "B1>IS PING\r");
  f.serial[0] = { device: "/dev/ttyS0", up: false };
  f.from(1000, "A1>M1.IE FILTER 2\r");
  f.core.receive("M1.IE>IS PING\r", tty);
  f.serial[0] = { device: "/dev/ttyS0", up: true };
  // Loops: from the server's own socket, in its name, a serial echo, and to its own socket (its addresses changed under a client).
  f.core.receive("X1>AL hello\r", f.udp(6600));
  f.from(7777, "IS>AL PING\r");
  f.from(1000, "A1>M1.IE FILTER 4\r");
  f.core.receive("A1>M1.IE FILTER 4", tty);
  f.from(7000, "C1>IS PING\r");
  const control = f.core.control as { isOwnEndpoint: (e: UdpEndpoint) => boolean };
  const own = control.isOwnEndpoint;
  control.isOwnEndpoint = (e) => e.port === 7000 || own(e);
  f.from(1000, "A1>C1 FILTER 5\r");
  control.isOwnEndpoint = own;
  // A table that heals: an eviction, a refused monitor's name, a lapsed one's.
  for (let i = 0; f.core.hosts.size < MAX_HOSTS; i++) f.from(3000 + i, `D${i}>IS PING\r`);
  f.advance(10_000);
  f.core.unreachable(f.udp(3001), "port unreachable", "IS>D1 PING\r");
  f.advance(2000);
  f.from(4000, "NEW>IS PING\r");
  f.from(1000, "A1>IS REMOVE D2\r");
  f.from(1000, "A1>IS REMOVE D3\r");
  f.from(1000, "A1>IS REMOVE D4\r");
  f.from(1000, "A1>IS REMOVE D5\r");
  for (let i = 0; i < 5; i++) f.from(5000 + i, `MON${i}>IS MONITOR ON\r`);
  f.advance(16_000);
  f.core.observer.tick();
  // A RESTART, for its notes too.
  f.from(1000, "A1>IS RESTART\r");
  await f.settled();

  const read = f.logged.map((text, i) => parseEntry(`${formatIsoMicros(f.stamps[i] as number)} ${text}`));
  expect(read.filter((e) => e.type !== "message" && e.type !== "note").map((e) => e.line)).toEqual([]);
  const notes = new Set(read.flatMap((e) => (e.type === "note" ? [`${e.note.kind} ${e.note.event}`] : [])));
  for (const note of [
    "client unreachable",
    "client reachable",
    "client evicted",
    "client removed",
    "loss unreachable",
    "loss not-sent",
    "loss port",
    "loop own-socket",
    "loop own-name",
    "loop serial-echo",
    "preset own-address",
    "server restarted",
  ]) {
    expect({ note, seen: notes.has(note) }).toEqual({ note, seen: true });
  }
});
