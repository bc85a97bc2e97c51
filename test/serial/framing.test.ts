// The line framer: bytes of a serial line in, messages and junk reports out.
import { describe, expect, test } from "bun:test";
import { asOneLine, LineFramer } from "../../src/protocol/framing.ts";

type Event = ["line", string] | ["junk", string];

function framer() {
  const events: Event[] = [];
  const f = new LineFramer({ line: (text) => events.push(["line", text]), junk: (reason) => events.push(["junk", reason]) });
  const push = (...chunks: (string | Uint8Array)[]) => {
    for (const chunk of chunks) f.push(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
    return events;
  };
  const lines = () => events.filter((e) => e[0] === "line").map((e) => e[1]);
  const junk = () => events.filter((e) => e[0] === "junk").map((e) => e[1]);
  return { f, events, push, lines, junk };
}

describe("LineFramer", () => {
  test("one message ending in \\r is one line, terminator stripped", () => {
    expect(framer().push("M1.IE>IS PING\r")).toEqual([["line", "M1.IE>IS PING"]]);
  });

  test("two messages in one chunk are two lines, in order", () => {
    expect(framer().push("A1>IS PING\rB2>IS PING\r")).toEqual([
      ["line", "A1>IS PING"],
      ["line", "B2>IS PING"],
    ]);
  });

  test("a message split over several chunks is held until its terminator", () => {
    const { f, push, lines } = framer();
    push("M1.I", "E>IS ", "STAT");
    expect(lines()).toEqual([]);
    expect(f.pending).toBe(13);
    push("US\r");
    expect(lines()).toEqual(["M1.IE>IS STATUS"]);
    expect(f.pending).toBe(0);
  });

  test("a message fed one byte at a time comes out whole", () => {
    const { push, lines } = framer();
    push(...[..."X1>IS TIME\r"]);
    expect(lines()).toEqual(["X1>IS TIME"]);
  });

  test("\\r, \\n and \\r\\n each end a line; \\r\\n counts once, even split between chunks", () => {
    const { push, lines, junk } = framer();
    push("A1>IS one\r", "A1>IS two\n", "A1>IS three\r\n", "A1>IS four\r", "\nA1>IS five\n");
    expect(lines()).toEqual(["A1>IS one", "A1>IS two", "A1>IS three", "A1>IS four", "A1>IS five"]);
    expect(junk()).toEqual([]);
  });

  test("empty lines (bare terminators) are skipped silently", () => {
    expect(framer().push("\r\n\r\r\n\nA1>IS x\r\r\r")).toEqual([["line", "A1>IS x"]]);
  });

  test("a line with a NUL byte is dropped as junk and the next line is fine", () => {
    const { push, lines, junk } = framer();
    push("\0\0M1.IE>IS PING\r", "M1.IE>IS PING\r");
    expect(lines()).toEqual(["M1.IE>IS PING"]);
    expect(junk()).toEqual(["line of 15 bytes dropped: NUL byte in it"]);
  });

  test("a line with a control byte is junk; a tab is not", () => {
    const { push, lines, junk } = framer();
    push("A1>IS \x1b[2J\r", "A1>IS a\tb\r");
    expect(lines()).toEqual(["A1>IS a\tb"]);
    expect(junk()).toEqual(["line of 10 bytes dropped: control byte 0x1b in it"]);
  });

  test("bytes above 127 pass through one char per byte (latin1), for the parser to judge", () => {
    const { push, lines } = framer();
    push(new Uint8Array([0x41, 0x31, 0x3e, 0x49, 0x53, 0x20, 0xe9, 0xff, 13]));
    expect(lines()).toEqual(["A1>IS \u00e9\u00ff"]);
  });

  test("a line of 2047 bytes (2048 with its terminator) is the longest kept", () => {
    const { push, lines, junk } = framer();
    const longest = `A1>IS ${"x".repeat(2041)}`;
    push(`${longest}\r`);
    expect(lines()).toEqual([longest]);
    expect(junk()).toEqual([]);
  });

  test("an overlong line is reported once, discarded up to the next terminator, and framing resumes", () => {
    const { push, lines, junk } = framer();
    push("A1>IS ", "y".repeat(1500), "y".repeat(1500), "y".repeat(3000), "tail\rA1>IS after\r");
    expect(junk()).toEqual(["line longer than 2047 bytes dropped (discarding up to the next terminator)"]);
    expect(lines()).toEqual(["A1>IS after"]);
  });

  test("endless input without a terminator holds at most 2047 bytes", () => {
    const { f, push, junk } = framer();
    for (let i = 0; i < 100; i++) push("z".repeat(1000));
    expect(f.pending).toBeLessThanOrEqual(2047);
    expect(junk()).toHaveLength(1);
  });

  test("reset() drops a partial line and says how many bytes it held", () => {
    const { f, push, lines } = framer();
    push("A1>IS PI");
    expect(f.reset()).toBe(8);
    push("NG\rA1>IS PONG\r");
    expect(lines()).toEqual(["NG", "A1>IS PONG"]);
  });

  test("any split of random bytes frames exactly like the whole; lines never hold terminators, NUL or >2047 bytes", () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      // Noise with a bias to terminators and printable text, and now and then a long run.
      const bytes = new Uint8Array(random(6000));
      for (let i = 0; i < bytes.length; i++) {
        const pick = random(20);
        bytes[i] = pick === 0 ? 13 : pick === 1 ? 10 : pick === 2 ? random(256) : 32 + random(95);
        if (random(500) === 0) for (let run = random(3000); run > 0 && i + 1 < bytes.length; run--) bytes[++i] = 65;
      }
      const whole = framer();
      whole.push(bytes);
      const split = framer();
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + random(64);
        split.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(split.events).toEqual(whole.events);
      for (const line of whole.lines()) {
        expect(line.length).toBeGreaterThan(0);
        expect(line.length).toBeLessThanOrEqual(2047);
        expect(line).not.toMatch(/[\r\n\0]/);
      }
    }
  });
});

describe("asOneLine", () => {
  test("wire text with a line break before its terminator becomes one line; anything else passes as it is", () => {
    expect(asOneLine("IS>M1.IE DONE: x\r")).toBe("IS>M1.IE DONE: x\r");
    expect(asOneLine("IS>M1.IE DONE: \xb0\t\x7f\r")).toBe("IS>M1.IE DONE: \xb0\t\x7f\r");
    expect(asOneLine("A>B x\r\nB>C EXEC: QUIT\r")).toBe("A>B x\\x0d\\x0aB>C EXEC: QUIT\r");
    expect(asOneLine("A>B x\x0b\x0c\x1b\r")).toBe("A>B x\\x0b\\x0c\\x1b\r");
    for (let c = 0; c < 256; c++) {
      const line = asOneLine(`A>B ${String.fromCharCode(c)} y\r`);
      expect(line.indexOf("\r")).toBe(line.length - 1);
      expect(line).not.toContain("\n");
    }
  });
});
