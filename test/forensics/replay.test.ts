// The night replayed from fixed log lines: each number of the summary
// against the lines that make it, for our server's logs and the C server's.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseEntry } from "../../src/forensics/entry.ts";
import { readLines } from "../../src/forensics/read-lines.ts";
import { NightReplay, type ReplayOptions } from "../../src/forensics/replay.ts";
import type { Summary } from "../../src/forensics/summary.ts";

const DAY = "2025-09-15";
const ms = (time: string) => Date.parse(`${DAY}T${time}Z`);

/** Lines as `HH:MM:SS[.ffffff] text` on one day; the rest of a stamp is filled in. */
function summarize(lines: readonly string[], end: string, options: Partial<ReplayOptions> = {}): Summary {
  const replay = new NightReplay({ serverId: "IS", staleAfterMs: 120_000, commandTimeoutMs: 120_000, ...options });
  for (const line of lines) {
    const space = line.indexOf(" ");
    const time = line.slice(0, space);
    const stamp = `${DAY}T${time}${time.includes(".") ? "" : ".000000"}`.padEnd(26, "0");
    replay.add(parseEntry(`${stamp}${line.slice(space)}`));
  }
  return replay.finish([], ms(end));
}

const START = "19:00:00 Server started as host IS on port 6600, isis 4.0.0, rcFile=/home/dts/Config/isis.ini";
const command = (s: Summary, dest: string, word: string) => s.commands.find((c) => c.dest === dest && c.word === word);

describe("commands", () => {
  test("a routed command: its count, its answer, the server's own latency from the completion line", () => {
    const s = summarize(
      [
        START,
        "19:00:01 IPC1>M1.IE filter 2",
        "19:00:01.500000 M1.IE>IPC1 STATUS: filter moving",
        "19:00:02 M1.IE>IPC1 DONE: filter FILTPOS=2",
        // The server's figure (from its own clock) wins over the stamps' difference.
        "19:00:02 Command IPC1>M1.IE FILTER ended with DONE: after 999.876 ms",
      ],
      "19:10:00",
    );
    expect(command(s, "M1.IE", "FILTER")).toMatchObject({ count: 1, answered: 1, errors: 0, late: 0, unanswered: 0, open: 0, max: 999.876 });
    expect(s.runs.at(-1)?.counters).toMatchObject({ received: 3, routed: 3, completed: 1, unmatched: 0 });
    expect(s.runs.at(-1)?.latency).toEqual([{ word: "FILTER", count: 1, p50: 999.876, p90: 999.876, p99: 999.876, max: 999.876 }]);
  });

  test("without completion lines (the C server's), requests and answers are paired as the server pairs them", () => {
    const s = summarize(
      [
        START,
        "19:00:01 IPC1>M1.IE filter 2",
        "19:00:01 IPC1>M1.IE filter 3",
        "19:00:02 M1.IE>IPC1 DONE: filter FILTPOS=2",
        "19:00:04 M1.IE>IPC1 ERROR: filter motor stalled",
        "19:00:05 M1.IE>IPC1 DONE: filter again",
      ],
      "19:10:00",
    );
    // Oldest first: 1 s, then 3 s; the third answer matches nothing. Percentiles as STATS has them: within 9%.
    const filter = command(s, "M1.IE", "FILTER");
    expect(filter).toMatchObject({ count: 2, answered: 2, errors: 1, max: 3000 });
    expect(filter?.p50).toBeGreaterThanOrEqual(1000);
    expect(filter?.p50).toBeLessThan(1090);
    expect(s.runs.at(-1)?.counters).toMatchObject({ completed: 2, unmatched: 1 });
    expect(s.errors).toEqual([
      { from: "M1.IE", text: "ERROR: filter motor stalled", count: 1, first: `${DAY}T19:00:04.000000Z`, last: `${DAY}T19:00:04.000000Z` },
    ]);
  });

  test("late: answered only after CommandTimeout of silence, or still waiting that long; unanswered and open at the end", () => {
    const s = summarize(
      [START, "19:00:00 IPC1>M1.CB expose 600", "19:05:00 IPC1>M1.IE home", "19:08:00 IPC1>M1.IE filter 1", "19:09:00 M1.CB>IPC1 DONE: expose"],
      "19:10:00",
      { commandTimeoutMs: 120_000 },
    );
    expect(command(s, "M1.CB", "EXPOSE")).toMatchObject({ count: 1, answered: 1, late: 1, unanswered: 0 });
    expect(command(s, "M1.IE", "HOME")).toMatchObject({ count: 1, answered: 0, late: 1, unanswered: 1, open: 1 });
    expect(command(s, "M1.IE", "FILTER")).toMatchObject({ count: 1, late: 0, unanswered: 1, open: 1 });
    expect(s.inFlightAtEnd).toMatchObject({ open: 2, late: 1 });
    expect(s.inFlightAtEnd.commands.map((c) => `${c.requester}>${c.target} ${c.word} ${c.age} ${c.late}`)).toEqual([
      "IPC1>M1.IE HOME 300 true",
      "IPC1>M1.IE FILTER 120 false",
    ]);
  });

  test("the server's routing errors answer the request: no route, a port down; neither is routed", () => {
    const s = summarize(
      [
        START,
        "19:00:01 IPC1>M1.CB expose 10",
        "19:00:01.000100 IS>IPC1 ERROR: No Route to Destination Host M1.CB - host is unknown/unlisted",
        "19:00:02 IPC1>M1.TC temp",
        "19:00:02.000100 IS>IPC1 ERROR: Cannot route to M1.TC - /dev/ttyS0 is down",
      ],
      "19:10:00",
    );
    expect(command(s, "M1.CB", "EXPOSE")).toMatchObject({ count: 1, answered: 1, errors: 1, unanswered: 0 });
    expect(command(s, "M1.TC", "TEMP")).toMatchObject({ count: 1, errors: 1 });
    expect(s.runs.at(-1)?.counters).toMatchObject({ received: 2, routed: 0, replied: 2, unknownDestination: 1, dropped: 1 });
    expect(s.inFlightAtEnd.open).toBe(0);
  });

  test("requests to the server are paired with its replies, even one that does not name the command, and one that comes later", () => {
    const s = summarize(
      [
        START,
        "19:00:01 IPC1>IS restart",
        "19:00:01.000100 IPC1>IS foo",
        "19:00:01.000200 IS>IPC1 ERROR: Unrecognized ISIS command - foo",
        "19:00:01.002000 Server restarted: configuration reloaded from /home/dts/Config/isis.ini",
        "19:00:01.003000 IS>IPC1 DONE: RESTART rcFile=/home/dts/Config/isis.ini numClients=1 numPreset=0 Server restarted, host table kept",
        "19:00:02 IPC1>IS PING",
        "19:00:02.000100 IS>IPC1 PONG",
      ],
      "19:10:00",
    );
    expect(command(s, "IS", "RESTART")).toMatchObject({ count: 1, answered: 1, errors: 0, max: 3 });
    expect(command(s, "IS", "FOO")).toMatchObject({ count: 1, answered: 1, errors: 1 });
    expect(command(s, "IS", "PING")).toBeUndefined();
    expect(s.server).toMatchObject({ restarts: 1 });
    expect(s.server.events.map((e) => e.event)).toEqual(["started", "restart-requested", "restarted"]);
    expect(s.runs.at(-1)?.counters).toMatchObject({ received: 3, replied: 3, routed: 0 });
  });

  test("INFLIGHT CLEAR forgets the open commands, as the server does", () => {
    const s = summarize([START, "19:00:01 IPC1>M1.IE home", "19:00:02 ENG>IS inflight clear", "19:00:02 IS>ENG DONE: INFLIGHT CLEAR numCleared=1"], "19:00:03");
    expect(s.inFlightAtEnd.open).toBe(0);
    expect(command(s, "M1.IE", "HOME")).toMatchObject({ unanswered: 1, open: 0 });
  });
});

describe("clients", () => {
  test("first and last heard, heartbeats, moves, and silences longer than StaleAfter", () => {
    const s = summarize(
      [
        START,
        "19:00:01 M1.IE>IS PING",
        "19:00:01 Added UDP Client M1.IE on host 127.0.0.1:10701",
        "19:00:01.000100 IS>M1.IE PONG",
        "19:01:00 heartbeat M1.IE (127.0.0.1:10701)",
        "19:10:00 heartbeat M1.IE (127.0.0.1:10702)",
        "19:10:00 Client M1.IE moved to 127.0.0.1:10702",
        "19:10:30 M1.TC>IS",
        "19:10:30 heartbeat M1.TC (/dev/ttyS1)",
        "19:10:30 Added Serial Client M1.TC on device /dev/ttyS1",
      ],
      "19:20:00",
    );
    const ie = s.clients.find((c) => c.name === "M1.IE");
    expect(ie).toMatchObject({ transport: "udp", address: "127.0.0.1:10702", messages: 3, added: 1, moves: 1 });
    expect(ie?.firstHeard).toBe(`${DAY}T19:00:01.000000Z`);
    expect(ie?.silences).toEqual([
      { from: `${DAY}T19:01:00.000000Z`, to: `${DAY}T19:10:00.000000Z`, seconds: 540 },
      { from: `${DAY}T19:10:00.000000Z`, to: null, seconds: 600 },
    ]);
    expect(s.clients.find((c) => c.name === "M1.TC")).toMatchObject({ transport: "serial", address: "/dev/ttyS1", silences: [{ to: null, seconds: 570 }] });
  });
});

describe("what was not delivered, loops, a table that heals", () => {
  const night = [
    START,
    "19:00:01 A1>IS PING",
    "19:00:01 Added UDP Client A1 on host 127.0.0.1:1000",
    "19:00:01 IS>A1 PONG",
    "19:00:02 B1>IS PING",
    "19:00:02 Added UDP Client B1 on host 127.0.0.1:2000",
    "19:00:02 IS>B1 PONG",
    // A routed request came back unreachable: its sender is told, its command closed.
    "19:00:03 A1>B1 filter 2",
    "19:00:03.000200 Client B1 (127.0.0.1:2000) is unreachable: port unreachable",
    "19:00:03.000200 Not delivered to 127.0.0.1:2000 (B1): port unreachable: 'A1>B1 filter 2\\x0d'",
    "19:00:03.000200 IS>A1 ERROR: Cannot route to B1 - 127.0.0.1:2000 is unreachable (port unreachable)",
    "19:00:04 Not delivered to 127.0.0.1:2000 (B1): port unreachable: 'IS>B1 PING\\x0d'",
    "19:00:05 Not sent to 127.0.0.1:3000: socket send buffer full: 'IS>AL PING\\x0d'",
    "19:00:06 Not delivered to a destination the report did not name: port unreachable",
    // A serial port down: not routed; the loss line, then the ERROR.
    "19:00:07 A1>M1.IE filter 1",
    "19:00:07 Not delivered to /dev/ttyS0 (M1.IE): the port is down: 'A1>M1.IE filter 1\\x0d'",
    "19:00:07 IS>A1 ERROR: Cannot route to M1.IE - /dev/ttyS0 is down",
    "19:00:08 Cut a loop: dropped a datagram from 127.0.0.1:6600, this server's own socket: 'X1>AL hello\\x0d'",
    "19:00:09 Cut a loop: dropped an echo on /dev/ttyS0 of what the server sent there: 'A1>M1.IE filter 1'",
    "19:00:10 B1>IS PING",
    "19:00:10 Client B1 moved to 127.0.0.1:2001",
    "19:00:10 Client B1 (127.0.0.1:2001) heard from again after 7.000 s unreachable",
    "19:00:10 IS>B1 PONG",
    "19:01:00 Client C1 (127.0.0.1:3001) is unreachable: port unreachable",
    "19:01:00 Not delivered to 127.0.0.1:3001 (C1): port unreachable: 'IS>C1 PING\\x0d'",
    "19:01:05 Host table full: evicted C1 (127.0.0.1:3001) from slot 3 for NEW (127.0.0.1:4000): unreachable for 5.0 s (port unreachable)",
    "19:01:05 NEW>IS PING",
    "19:01:05 Added UDP Client NEW on host 127.0.0.1:4000",
    "19:01:05 IS>NEW PONG",
    "19:02:00 Removed MON9 (127.0.0.1:5010) from the host table: refused as a monitor (MONITOR ON too many monitors, try again later)",
    "19:03:00 A1>IS REMOVE NEW",
    "19:03:00 IS>A1 DONE: REMOVE Host NEW removed from the host table",
    "19:04:00 Client D1 (127.0.0.1:3002) is unreachable: host unreachable",
    "19:04:00 Not delivered to 127.0.0.1:3002 (D1): host unreachable: 'A1>AL hello\\x0d'",
  ];

  test("the counters are STATS's: dropped, unreachable, notSent, loops, hostsEvicted; a lost request is closed as STATS closes it", () => {
    const s = summarize(night, "19:10:00");
    expect(s.lines).toMatchObject({ unknown: 0, garbage: 0 });
    expect(s.runs.at(-1)?.counters).toMatchObject({
      received: 9,
      routed: 1,
      replied: 7,
      dropped: 7,
      unreachable: 5,
      notSent: 1,
      loops: 2,
      hostsEvicted: 1,
      completed: 1,
      unmatched: 0,
    });
    expect(command(s, "B1", "FILTER")).toMatchObject({ count: 1, answered: 1, errors: 1, unanswered: 0, open: 0 });
    expect(command(s, "M1.IE", "FILTER")).toMatchObject({ count: 1, answered: 1, errors: 1 });
    expect(s.inFlightAtEnd.open).toBe(0);
  });

  test("per client: when it became unreachable and what ended it; evictions and removals", () => {
    const s = summarize([...night, "19:30:00 Server started as host IS on port 6600, isis 4.0.0, rcFile=/x.ini"], "19:40:00");
    const client = (name: string) => s.clients.find((c) => c.name === name);
    expect(client("B1")?.unreachable).toEqual([
      { from: `${DAY}T19:00:03.000200Z`, to: `${DAY}T19:00:10.000000Z`, seconds: 7, reason: "port unreachable", ended: "heard" },
    ]);
    expect(client("C1")?.unreachable.map((u) => `${u.to} ${u.ended}`)).toEqual([`${DAY}T19:01:05.000000Z evicted`]);
    expect(client("C1")?.removals).toEqual([
      { at: `${DAY}T19:01:05.000000Z`, how: "evicted", detail: "slot 3 for NEW (127.0.0.1:4000): unreachable for 5.0 s (port unreachable)" },
    ]);
    expect(client("NEW")?.removals).toEqual([{ at: `${DAY}T19:03:00.000000Z`, how: "removed", detail: "REMOVE by A1" }]);
    expect(client("MON9")?.removals.map((r) => r.how)).toEqual(["removed"]);
    // A new server process forgets who was unreachable.
    expect(client("D1")?.unreachable.map((u) => `${u.to} ${u.ended}`)).toEqual([`${DAY}T19:30:00.000000Z server-started`]);
    expect(s.hostTable).toEqual({ evicted: 1, removed: 2 });
  });

  test("still unreachable at the end: no end, its length to the end of the range", () => {
    const s = summarize(night, "19:10:00");
    expect(s.clients.find((c) => c.name === "D1")?.unreachable).toEqual([
      { from: `${DAY}T19:04:00.000000Z`, to: null, seconds: 360, reason: "host unreachable", ended: null },
    ]);
  });

  test("losses by destination and why; loops by kind", () => {
    const s = summarize(night, "19:10:00");
    expect(s.losses).toMatchObject({ total: 7, unreachable: 5, notSent: 1, port: 1, destinationsOmitted: 0 });
    expect(s.losses.destinations.map((d) => `${d.dest} ${d.address} ${d.count} ${d.unreachable}/${d.notSent}/${d.port} ${JSON.stringify(d.reasons)}`)).toEqual([
      'B1 127.0.0.1:2000 2 2/0/0 {"port unreachable":2}',
      '127.0.0.1:3000 127.0.0.1:3000 1 0/1/0 {"socket send buffer full":1}',
      '? null 1 1/0/0 {"port unreachable":1}',
      'C1 127.0.0.1:3001 1 1/0/0 {"port unreachable":1}',
      'D1 127.0.0.1:3002 1 1/0/0 {"host unreachable":1}',
      'M1.IE /dev/ttyS0 1 0/0/1 {"is down":1}',
    ]);
    expect(s.loops).toEqual({ total: 2, kinds: { "own-socket": 1, "serial-echo": 1 }, first: `${DAY}T19:00:08.000000Z`, last: `${DAY}T19:00:09.000000Z` });
  });
});

describe("the server's life", () => {
  test("a start with no shutdown line before it: the previous run ended uncleanly; a clean stop forgets open commands", () => {
    const s = summarize(
      [
        START,
        "19:00:01 IPC1>M1.IE home",
        "19:30:00 Server started as host IS on port 6600, isis 4.0.0, rcFile=/home/dts/Config/isis.ini",
        "19:30:01 IPC1>M1.IE home",
        "19:40:00 Server shutting down (SIGTERM)",
      ],
      "20:00:00",
    );
    expect(s.server).toMatchObject({ starts: 2, stops: 1, uncleanStops: 1 });
    expect(s.runs.map((r) => `${r.end} ${r.complete} ${r.counters.received}`)).toEqual(["unclean true 1", "stopped true 1"]);
    expect(s.inFlightAtEnd.open).toBe(0);
    expect(command(s, "M1.IE", "HOME")).toMatchObject({ count: 2, unanswered: 2, open: 0 });
  });

  test("gaps are said: the log switched off, entries lost, the clock stepped back; the run is then not complete", () => {
    const s = summarize(
      [START, "19:00:01 ENG>IS -log", "19:30:00 Runtime log lost 1234 entries (queue full, the disk too slow)", "19:29:00 IPC1>IS PING"],
      "20:00:00",
    );
    expect(s.gaps).toEqual({ logOff: 1, logLost: 1234, clockStepsBack: 1 });
    expect(s.runs.at(-1)?.complete).toBe(false);
    expect(s.server.events.map((e) => e.event)).toEqual(["started", "log-off", "log-lost", "clock-stepped-back"]);
  });
});

describe("input", () => {
  test("refused, malformed, oversized and flooded input is counted as the server counts it", () => {
    const s = summarize(
      [
        START,
        "19:00:01 Ignored malformed message from 127.0.0.1:7000: no '>' in the address header: 'junk\\x0d'",
        "19:00:02 Ignored malformed message from 127.0.0.1:7000: oversized message (3000 bytes, limit 2048): 'AAAA'... (3000 bytes)",
        "19:00:02.500000 Ignored malformed message from 127.0.0.1:7000: control byte 0x0a in message: 'A1>B1 x\\x0aIS>M1.IE EXEC: QUIT\\x0d'",
        "19:00:03 Refused message from 127.0.0.1:6666 claiming M1.IE, which is pinned to 127.0.0.1:10700: 'M1.IE>IS PING\\x0d'",
        "19:00:03.000100 IS>M1.IE ERROR: Node name M1.IE is pinned to another address, message refused",
        "19:00:04 OP>IS EXEC: quit",
        "19:00:04 Refused executive request from OP (127.0.0.1:5000), not in ExecAllow: 'EXEC: quit'",
        "19:00:04.000100 IS>OP ERROR: EXEC: not allowed from 127.0.0.1, executive request refused",
        "19:00:05 OP>AL EXEC: quit",
        "19:00:05 Refused executive request from OP (127.0.0.1:5000), not in ExecAllow: 'EXEC: quit'",
        "19:00:05.000100 IS>OP ERROR: EXEC: not allowed from 127.0.0.1, executive request refused",
        "19:00:06 Ignored junk on serial port 0 (/dev/ttyS0): line of 3000 bytes dropped",
        "19:00:07 flood: 127.0.0.1:9999 sends faster than 1000 datagrams/s while the server is overloaded; dropping its excess so other clients are still served",
        "19:00:09 flood: 127.0.0.1:9999 calmed down; 12345 datagrams from it were dropped",
        "19:00:10 flood: 127.0.0.1:9999 sends faster than 1000 datagrams/s while the server is overloaded; dropping its excess so other clients are still served",
        "19:00:11 overload: the kernel dropped 500 datagrams in front of the server's socket in 2.0 s (its queue was full)",
        "19:00:12 flood: 127.0.0.2 no longer limited (the server is stopping); 7 datagrams from it were dropped",
      ],
      "19:10:00",
    );
    expect(s.input).toMatchObject({ malformed: 2, oversized: 1, junk: 1, refused: { pin: 1, exec: 2 } });
    expect(s.input.flood).toEqual({
      episodes: 2,
      dropped: 12352,
      senders: [
        { sender: "127.0.0.1:9999", episodes: 2, dropped: 12345, first: `${DAY}T19:00:07.000000Z`, last: `${DAY}T19:00:10.000000Z`, limitedAtEnd: true },
        { sender: "127.0.0.2", episodes: 0, dropped: 7, first: `${DAY}T19:00:12.000000Z`, last: `${DAY}T19:00:12.000000Z`, limitedAtEnd: false },
      ],
      overloads: 1,
      kernelDropped: 500,
    });
    // As STATS counts them: flooded from the calmed and lifted lines, kernelDropped from the overload lines.
    expect(s.runs.at(-1)?.counters).toMatchObject({
      received: 6,
      malformed: 1,
      oversized: 1,
      controlBytes: 1,
      refused: 3,
      broadcast: 0,
      replied: 3,
      flooded: 12352,
      kernelDropped: 500,
    });
    expect(command(s, "IS", "QUIT")).toMatchObject({ count: 1, errors: 1 });
  });

  test("lines it does not know are counted and shown, never fatal; lines outside --since/--until are skipped", () => {
    const s = summarize(
      [
        START,
        "19:00:01 Client M1.IE unreachable at 127.0.0.1:10701 (a later server's line)",
        "19:00:01 Client M1.IE unreachable at 127.0.0.1:10701 (a later server's line)",
        "21:00:00 IPC1>IS PING",
      ],
      "22:00:00",
      { since: ms("18:00:00"), until: ms("20:00:00") },
    );
    expect(s.lines).toMatchObject({ total: 4, unknown: 2, skipped: 1 });
    expect(s.unknown).toEqual([{ text: "Client M1.IE unreachable at 127.0.0.1:10701 (a later server's line)", count: 2 }]);
  });
});

describe("a C server's log", () => {
  test("reads: its start and stop, clients, paired commands, its routing errors", async () => {
    const replay = new NightReplay({ serverId: "IS", staleAfterMs: 120_000, commandTimeoutMs: 120_000 });
    const path = join(import.meta.dir, "../fixtures/c-server-runtime-log.txt");
    const read = await readLines(path, (line) => replay.add(parseEntry(line)));
    const s = replay.finish([{ path, bytes: 0, lines: read.lines }], Date.parse("2009-10-06T00:01:00Z"));
    expect(s.lines).toMatchObject({ total: 30, unknown: 0, garbage: 0, opened: 1 });
    expect(s.server).toMatchObject({ starts: 1, stops: 1, uncleanStops: 0 });
    expect(s.runs.map((r) => r.end)).toEqual(["stopped"]);
    expect(s.clients.map((c) => `${c.name} ${c.transport} ${c.address}`)).toEqual([
      "IPC1 udp 192.168.139.130:5001",
      "M1.IE udp 192.168.139.131:10701",
      "M1.TC serial /dev/ttyS0",
    ]);
    expect(s.commands.map((c) => `${c.dest} ${c.word} n=${c.count} err=${c.errors} unanswered=${c.unanswered} max=${c.max}`)).toEqual([
      "IS FOO n=1 err=1 unanswered=0 max=0.1",
      "IS QUIT n=1 err=0 unanswered=0 max=0.2",
      "IS RESTART n=1 err=1 unanswered=0 max=0.1",
      "M1.CB HOME n=1 err=1 unanswered=0 max=null",
      "M1.IE FILTER n=1 err=0 unanswered=0 max=1000",
      "M1.IE HOME n=1 err=0 unanswered=1 max=null",
      "M1.TC TEMP n=1 err=1 unanswered=0 max=250",
    ]);
    expect(s.runs[0]?.counters).toMatchObject({ received: 14, routed: 8, replied: 5, unknownDestination: 1, completed: 2, unmatched: 1 });
  });
});

describe("a damaged log", () => {
  test("stamps all over the calendar neither throw nor grow the reader: the traffic keeps at most 10,000 buckets", () => {
    const replay = new NightReplay({ serverId: "IS", staleAfterMs: 120_000, commandTimeoutMs: 120_000 });
    for (let i = 0; i < 120_000; i++) {
      const year = 1000 + ((i * 7919) % 8000);
      replay.add(parseEntry(`${year}-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:${10 + (i % 50)}:00.000000 A${i % 10}>IS PING`));
    }
    const s = replay.finish([], Date.now());
    expect(s.lines.messages).toBe(120_000);
    expect(s.traffic.counts.length).toBeLessThanOrEqual(10_000);
    expect(s.gaps.clockStepsBack).toBeGreaterThan(0);
    expect(s.server.events.length).toBeLessThanOrEqual(500);
  });
});
