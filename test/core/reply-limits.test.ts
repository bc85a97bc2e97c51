// Nothing the server sends may pass the IMPv2 limit (2048 bytes with the
// terminator) or hold a second line, whatever words it was given: every
// server command, with every argument long, after the tables have taken in
// command words as long as a message allows.
import { describe, expect, test } from "bun:test";
import { SERVER_COMMANDS } from "../../src/core/commands.ts";
import { cutText, MAX_MESSAGE_BYTES, sendableBody } from "../../src/protocol/message.ts";
import { makeCore, type Sent } from "./fixture.ts";

/** The longest body a message from an 8-character name to IS can carry. */
const room = (header: string): number => MAX_MESSAGE_BYTES - header.length - 1;

function expectSendable(sent: readonly Sent[], what: string): void {
  for (const { text } of sent) {
    if (text.length > MAX_MESSAGE_BYTES) throw new Error(`${what}: a ${text.length}-byte message: ${text.slice(0, 120)}...`);
    expect(text.endsWith("\r")).toBe(true);
    expect(text.slice(0, -1)).not.toMatch(/[\x00-\x08\x0a-\x1f]/);
  }
}

/** A core whose in-flight table and latency book hold command words of ~2000 bytes. */
function coreWithLongWords() {
  const f = makeCore();
  f.from(1000, "LONGNAME>IS PING\r");
  f.from(2000, "AGENT>IS PING\r");
  for (const letter of "ABCDEFGH") {
    const word = letter.repeat(room("LONGNAME>AGENT ") - 10);
    f.from(1000, `LONGNAME>AGENT ${word} 1\r`);
    f.from(2000, `AGENT>LONGNAME STATUS: ${word.slice(0, 1900)} ${"p".repeat(60)}\r`);
  }
  for (const letter of "ABCD") f.from(2000, `AGENT>LONGNAME DONE: ${letter.repeat(room("LONGNAME>AGENT ") - 10)}\r`);
  return f;
}

const LONG = (n: number) => "x".repeat(n);

/** Argument lists that push each command's replies: long words where words are echoed, in every position. */
function argumentLists(): string[][] {
  const lists: string[][] = [[], ["ALL"], ["FROM", "1"], ["FROM", "9999"], ["CLEAR"], ["PING"], ["ON"], ["OFF"]];
  for (const n of [65, 300, 2000]) {
    lists.push([LONG(n)], ["1", LONG(n)], [LONG(n), "1"], ["FROM", LONG(n)], ["ON", "NODE", LONG(n)], ["ON", "TYPE", LONG(n)], ["ON", LONG(n), "x"]);
  }
  lists.push(["ON", "NODE", Array.from({ length: 220 }, (_, i) => `N${i}`).join(",")]);
  return lists;
}

describe("replies never pass the IMPv2 limit", () => {
  test("every server command, to the server and to AL, with long words anywhere, from the longest name", async () => {
    const f = coreWithLongWords();
    let tried = 0;
    for (const command of [...SERVER_COMMANDS, "NOSUCH", LONG(3000)]) {
      if (command === "QUIT") continue;
      for (const args of argumentLists()) {
        for (const [dest, prefix] of [
          ["IS", ""],
          ["IS", "EXEC: "],
          ["AL", "REQ: "],
        ] as const) {
          const header = `LONGNAME>${dest} `;
          const body = `${prefix}${command} ${args.join(" ")}`.slice(0, room(header));
          const before = f.sent.length;
          f.core.receive(`${header}${body}\r`, f.udp(1000));
          await f.settled(); // RESTART answers after its reload
          expectSendable(f.sent.slice(before), `${command} ${args.join(" ").slice(0, 40)}`);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(400);
  });

  test("a word echoed in an error is cut with a visible mark: what is kept, then ...+N", () => {
    const f = makeCore();
    const word = `Q${"z".repeat(1990)}`;
    const [reply] = f.from(1000, `LONGNAME>IS ${word}\r`);
    expect(reply?.text).toBe(`IS>LONGNAME ERROR: Unrecognized ISIS command - ${word.slice(0, 56)}...+${word.length - 56}\r`);
    expect(f.from(1000, `LONGNAME>IS HOST ${word}\r`)[0]?.text).toStartWith(`IS>LONGNAME ERROR: HOST Unknown Host QZZZ`);
    expect(f.from(1000, `LONGNAME>IS REMOVE ${word}\r`)[0]?.text).toMatch(/^IS>LONGNAME ERROR: REMOVE Host QZ+\.\.\.\+1935 unknown, not removed\r$/);
  });

  test("STATS and INFLIGHT stay paged, each page a datagram, however long the words in their tables", () => {
    const f = coreWithLongWords();
    for (const command of ["STATS", "INFLIGHT"]) {
      const items = new Set<string>();
      let from = 0;
      for (let pages = 0; pages < 50; pages++) {
        const [reply] = f.from(1000, `LONGNAME>IS ${command} FROM ${from}\r`);
        expectSendable(reply ? [reply] : [], command);
        const text = reply?.text ?? "";
        for (const m of text.matchAll(/ (cmd|f)(\d+)=/g)) items.add(m[2] as string);
        const next = / next=(\d+)\r$/.exec(text);
        if (!next) break;
        from = Number(next[1]);
      }
      // Every item was on some page: 4 latency words, 4 commands still open.
      expect(items.size).toBe(4);
    }
  });
});

describe("cutText and sendableBody", () => {
  test("a cut keeps as much as fits with its mark, never more than the room", () => {
    for (let max = 16; max < 80; max++) {
      for (const n of [max, max + 1, max + 9, max + 95, max + 5000]) {
        const text = "a".repeat(n);
        const cut = cutText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        if (n <= max) expect(cut).toBe(text);
        const kept = cut.indexOf("...+");
        if (n > max) expect(cut).toBe(`${"a".repeat(kept)}...+${n - kept}`);
        if (n > max) expect(cut.length).toBeGreaterThanOrEqual(max - 1);
      }
    }
  });

  test("a body the server writes is one line and fits after its header", () => {
    expect(sendableBody(12, "DONE: x\r\nIS>M1.IE EXEC: QUIT")).toBe("DONE: x\\x0d\\x0aIS>M1.IE EXEC: QUIT");
    expect(sendableBody(12, "a\tb")).toBe("a\tb");
    const body = sendableBody(12, "y".repeat(3000));
    expect(12 + body.length + 1).toBe(MAX_MESSAGE_BYTES);
    const kept = body.indexOf("...+");
    expect(body).toBe(`${"y".repeat(kept)}...+${3000 - kept}`);
  });
});
