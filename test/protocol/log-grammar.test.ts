// The runtime log's grammar: what a writer formats, the reader parses back,
// field for field; every line is dispatched to exactly one note or none.
import { describe, expect, test } from "bun:test";
import { defineNote, type LogNote, matchNote, NOTES, parseLogOpened } from "../../src/protocol/log-grammar.ts";

/**
 * Values a writer might use: tokens with awkward characters, free text with
 * spaces, colons and parentheses, as far as the grammar allows (free text
 * must not hold the literal after it: the richest sample that does not).
 */
function sampleValues(note: LogNote): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of note.template.matchAll(/\{([A-Za-z]+)(\.\.\.)?\}/g)) {
    const name = m[1] as string;
    if (!m[2]) {
      values[name] = `${name.toUpperCase()}.9_x:1`;
      continue;
    }
    const after = note.template.slice((m.index ?? 0) + m[0].length).split("{")[0] as string;
    const samples = [`free text: with (parens), 'quotes' and ${name}`, `free text, 'quotes' and ${name}`, `free-text-${name}`];
    values[name] = samples.find((t) => after === "" || !t.includes(after)) as string;
  }
  return values;
}

describe("log notes", () => {
  test.each(NOTES.map((n) => [n.template, n] as const))("%s reads back what it writes", (_template, note) => {
    const values = sampleValues(note);
    const text = note.format(values as never);
    const matched = matchNote(text);
    expect(matched?.note.kind).toBe(note.kind);
    expect(matched?.note.event).toBe(note.event);
    expect(matched?.fields).toEqual(values);
  });

  test("the server's own lines are recognised, the C server's too", () => {
    const cases: [string, string, string, Record<string, string>][] = [
      ["Added UDP Client M1.ENV on host 127.0.0.1:10901", "client", "added", { name: "M1.ENV", address: "127.0.0.1:10901" }],
      ["Added Serial Client M1.IE on device /dev/ttyS0", "client", "added", { name: "M1.IE", address: "/dev/ttyS0" }],
      ["heartbeat C1 (127.0.0.1:4000)", "hb", "heartbeat", { name: "C1", address: "127.0.0.1:4000" }],
      [
        "Command IPC1>M1.IE FILTER ended with DONE: after 812.345 ms",
        "command",
        "ended",
        { requester: "IPC1", target: "M1.IE", word: "FILTER", outcome: "DONE", ms: "812.345" },
      ],
      ["flood: other senders calmed down; 30 datagrams from it were dropped", "flood", "calmed", { sender: "other senders", dropped: "30" }],
      ["Server started as host IS on port 6600", "server", "started", { id: "IS", port: "6600" }],
      ["Server shutdown normally", "server", "stopped", {}],
      [
        "ERROR: Could not bind server socket to port 6600 - Address already in use",
        "server",
        "error",
        { text: "Could not bind server socket to port 6600 - Address already in use" },
      ],
      ["Error initializing serial port - aborting", "server", "error", { text: "initializing serial port - aborting" }],
      [
        "Serial port 0 (/dev/ttyS0): output backlog full (16384 bytes queued)",
        "serial",
        "backlog",
        { index: "0", device: "/dev/ttyS0", detail: "output backlog full (16384 bytes queued)" },
      ],
      ["Serial port 0 (/dev/ttyS0) is down: ENOENT", "serial", "down", { index: "0", device: "/dev/ttyS0", reason: "ENOENT" }],
      // Routing integrity's lines (issue 14): losses, loops, the table healing.
      [
        "Client B1 (127.0.0.1:2000) is unreachable: port unreachable",
        "client",
        "unreachable",
        { name: "B1", address: "127.0.0.1:2000", reason: "port unreachable" },
      ],
      [
        "Client B1 (127.0.0.1:2001) heard from again after 2.000 s unreachable",
        "client",
        "reachable",
        { name: "B1", address: "127.0.0.1:2001", seconds: "2.000" },
      ],
      [
        "Not delivered to 127.0.0.1:2000 (B1 B2): port unreachable: 'A1>B1 FILTER 2 (x): the port y\\x0d'",
        "loss",
        "unreachable",
        { address: "127.0.0.1:2000", names: "B1 B2", reason: "port unreachable", text: "'A1>B1 FILTER 2 (x): the port y\\x0d'" },
      ],
      [
        "Not delivered to 127.0.0.1:9: port unreachable: 'IS>AL PING (a): b\\x0d'",
        "loss",
        "unreachable",
        { address: "127.0.0.1:9", reason: "port unreachable", text: "'IS>AL PING (a): b\\x0d'" },
      ],
      ["Not delivered to a destination the report did not name: port unreachable", "loss", "unreachable", { reason: "port unreachable" }],
      [
        "Not sent to 127.0.0.1:2000 (B1): socket send buffer full: 'A1>B1 X\\x0d'",
        "loss",
        "not-sent",
        { address: "127.0.0.1:2000", names: "B1", reason: "socket send buffer full", text: "'A1>B1 X\\x0d'" },
      ],
      [
        "Not delivered to /dev/ttyS0 (M1.IE): the port is backlogged, output queue full: 'IS>M1.IE PONG'",
        "loss",
        "port",
        { address: "/dev/ttyS0", name: "M1.IE", state: "is backlogged, output queue full", text: "'IS>M1.IE PONG'" },
      ],
      [
        "Cut a loop: dropped an echo on /dev/ttyS0 of what the server sent there: 'IS>AL PING\\x0d'",
        "loop",
        "serial-echo",
        { address: "/dev/ttyS0", text: "'IS>AL PING\\x0d'" },
      ],
      [
        "Cut a loop: not sent to 127.0.0.1:6600, this server's own socket: 'IS>X1 PING\\x0d'",
        "loop",
        "own-socket",
        { address: "127.0.0.1:6600", text: "'IS>X1 PING\\x0d'" },
      ],
      [
        "Host table full: evicted C5 (127.0.0.1:3005) from slot 5 for NEW (127.0.0.1:4000): unreachable for 2.0 s (port unreachable)",
        "client",
        "evicted",
        { name: "C5", address: "127.0.0.1:3005", slot: "5", newcomer: "NEW", from: "127.0.0.1:4000", reason: "unreachable for 2.0 s (port unreachable)" },
      ],
      [
        "Removed MON2 (127.0.0.1:5002) from the host table: its monitor subscription lapsed",
        "client",
        "removed",
        { name: "MON2", address: "127.0.0.1:5002", reason: "its monitor subscription lapsed" },
      ],
      [
        "UDPPort 127.0.0.1 6600 is this server's own address and port: it is never PINGed (a loop)",
        "preset",
        "own-address",
        { host: "127.0.0.1", port: "6600" },
      ],
    ];
    for (const [text, kind, event, fields] of cases) {
      const m = matchNote(text);
      expect({ text, kind: m?.note.kind as string | undefined, event: m?.note.event, fields: m?.fields }).toEqual({ text, kind, event, fields });
    }
  });

  test("a line that fits no template is no note: wrong words, a token with a space, a missing end", () => {
    for (const text of [
      "",
      "Something new a later server writes",
      "Added UDP Client TWO WORDS on host 127.0.0.1:1",
      "heartbeat C1 (127.0.0.1:4000",
      "Command IPC1>M1.IE FILTER ended with DONE: after 812 s",
      "Server started as host IS on port 6600 and more",
      "Added",
      "Client B1 (127.0.0.1:2000) is reachable",
      "Not delivered to nowhere",
      "Cut a loop: somehow",
    ]) {
      expect(matchNote(text)).toBeUndefined();
    }
  });

  test("every field count formats its literals and values in turn, numbers as text: 0 to 6 written out, more by the loop", () => {
    for (let count = 0; count <= 9; count++) {
      const names = Array.from({ length: count }, (_, i) => `f${String.fromCharCode(97 + i)}`);
      const template = `Wide${names.map((n, i) => ` <${i}> {${n}}`).join("")} end`;
      const values = Object.fromEntries(names.map((n, i) => [n, i % 2 === 0 ? i * 10 : `v${i}`]));
      const expected = `Wide${names.map((_, i) => ` <${i}> ${i % 2 === 0 ? i * 10 : `v${i}`}`).join("")} end`;
      const note = defineNote("server", "wide", template);
      expect(note.format(values as never)).toBe(expected);
      expect(note.parse(expected)).toEqual(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])));
    }
  });

  test("a template must start with a word and keep its fields apart, or it is refused where it is defined", () => {
    expect(() => defineNote("server", "x", "{who} did it")).toThrow(/literal word/);
    expect(() => defineNote("server", "x", "Someone {a}{b}")).toThrow(/nothing between/);
  });

  test("the (re)started line gives the server's name and the stamp", () => {
    expect(parseLogOpened("IS runtime log (re)started at UTC 2025-09-15T14:03:22.123456")).toEqual({ serverId: "IS", stamp: "2025-09-15T14:03:22.123456" });
    expect(parseLogOpened("IS runtime log (re)started at UTC 2025-09-15")).toBeUndefined();
    expect(parseLogOpened("A B runtime log (re)started at UTC 2025-09-15T14:03:22.123456")).toBeUndefined();
  });
});
