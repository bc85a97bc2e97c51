// The runtime log's grammar: what a writer formats, the reader parses back,
// field for field; every line is dispatched to exactly one note or none.
import { describe, expect, test } from "bun:test";
import { defineNote, type LogNote, matchNote, NOTES, parseLogOpened } from "../../src/protocol/log-grammar.ts";

/** Values a writer might use: tokens with awkward characters, free text with spaces, colons and parentheses. */
function sampleValues(note: LogNote): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of note.template.matchAll(/\{([A-Za-z]+)(\.\.\.)?\}/g)) {
    values[m[1] as string] = m[2] ? `free text: with (parens), 'quotes' and ${m[1]}` : `${(m[1] as string).toUpperCase()}.9_x:1`;
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
    ]) {
      expect(matchNote(text)).toBeUndefined();
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
