import { describe, expect, test } from "bun:test";
import { isBroadcast, isValidNodeName, parseMessage } from "../../src/protocol/message.ts";

const ok = (raw: string) => {
  const r = parseMessage(raw);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(raw)} to parse: ${r.reason}`);
  return r.message;
};
const reason = (raw: string) => {
  const r = parseMessage(raw);
  if (r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return r.reason;
};

describe("parseMessage", () => {
  test("splits SRC>DEST and body, upper-casing the names only", () => {
    expect(ok("m1.env>is ping\r")).toEqual({ src: "M1.ENV", dest: "IS", body: "ping", line: "m1.env>is ping", wire: "M1.ENV>IS ping\r" });
    expect(ok("PR>IE DONE: FILTER FILTPOS=1 Name='a b'\r")).toEqual({
      src: "PR",
      dest: "IE",
      body: "DONE: FILTER FILTPOS=1 Name='a b'",
      line: "PR>IE DONE: FILTER FILTPOS=1 Name='a b'",
      wire: "PR>IE DONE: FILTER FILTPOS=1 Name='a b'\r",
    });
  });

  test("wire is the message as forwarded: SRC>DEST body\\r, whatever spacing, case and terminator it came with", () => {
    for (const raw of ["A1>B2 REQ: x  y\r", "a1>b2 REQ: x  y\r", "  A1>B2   REQ: x  y\r", "A1>B2 REQ: x  y\n", "A1>B2 REQ: x  y\r\n", "A1>B2 REQ: x  y"]) {
      expect(ok(raw).wire).toBe("A1>B2 REQ: x  y\r");
    }
  });

  test("accepts \\r, \\n, \\r\\n or no terminator", () => {
    for (const raw of ["A1>IS PING\r", "A1>IS PING\n", "A1>IS PING\r\n", "A1>IS PING"]) {
      expect(ok(raw).body).toBe("PING");
    }
  });

  test("a bare header is a heartbeat with an empty body", () => {
    expect(ok("TCS>IS\r")).toEqual({ src: "TCS", dest: "IS", body: "", line: "TCS>IS", wire: "TCS>IS\r" });
    expect(ok("TCS>IS   \r").body).toBe("");
  });

  test("several spaces between header and body are one separator", () => {
    expect(ok("A1>IS    status").body).toBe("status");
  });

  test("rejects a first token without '>' or with an empty side", () => {
    expect(reason("hello world\r")).toContain("no '>'");
    expect(reason(">IS ping")).toContain("sender");
    expect(reason("A1> ping")).toContain("destination");
    expect(reason("A1 >IS ping")).toContain("no '>'");
  });

  test("rejects names outside 2-8 letters, digits, '.', '_'", () => {
    expect(reason(`${"A".repeat(200)}>IS ping`)).toContain("longer than 8");
    expect(reason(`A1>${"B".repeat(300)} ping`)).toContain("longer than 8");
    expect(reason("A>IS ping")).toContain("shorter than 2");
    expect(reason("A-1>IS ping")).toContain("characters");
  });

  test("one datagram is one message: a line break or another control byte inside it is refused; TAB and latin1 pass", () => {
    for (let c = 0; c < 32; c++) {
      const raw = `A1>M1.IE STATUS: x${String.fromCharCode(c)}IS>M1.IE EXEC: QUIT\r`;
      if (c === 9) expect(ok(raw).body).toBe("STATUS: x\tIS>M1.IE EXEC: QUIT");
      else expect(reason(raw)).toStartWith(c === 0 ? "NUL" : `control byte 0x${c.toString(16).padStart(2, "0")}`);
    }
    expect(reason("A1>IS \nEXEC: QUIT\r")).toBe("control byte 0x0a in message");
    expect(ok("A1>IS OBJECT 'Be\xc5\xa1i\xc4\x87' \x7f\x9b\xa0\r").body).toBe("OBJECT 'Be\xc5\xa1i\xc4\x87' \x7f\x9b\xa0");
  });

  test("keepControls (a reader that only shows messages, isis cmd): a line break stays in the body; NUL is still refused", () => {
    expect(parseMessage("A1>B2 STATUS: x\nDONE: y\r", { keepControls: true })).toMatchObject({ ok: true, message: { body: "STATUS: x\nDONE: y" } });
    expect(parseMessage("A1>B2 x\0y\r", { keepControls: true })).toMatchObject({ ok: false, failure: "control" });
  });

  test("rejects NUL bytes and oversized input", () => {
    expect(reason("A1>IS pi\0ng")).toContain("NUL");
    expect(reason(`A1>IS ${"x".repeat(5000)}`)).toContain("oversized");
    // exactly 2048 bytes including the terminator is the largest legal message
    expect(ok(`A1>IS ${"x".repeat(2048 - 7)}\r`).body.length).toBe(2041);
    expect(reason(`A1>IS ${"x".repeat(2048 - 6)}\r`)).toContain("oversized");
    // Without a terminator it is forwarded with one: 2048 bytes of text would be 2049 on the wire.
    expect(ok(`A1>IS ${"x".repeat(2048 - 7)}`).wire.length).toBe(2048);
    expect(reason(`A1>IS ${"x".repeat(2048 - 6)}`)).toContain("oversized");
  });
});

describe("helpers", () => {
  test("the terminator is one \\n, then one \\r, only: a second one is a control byte inside the message", () => {
    expect(ok("A1>IS x\r\n").line).toBe("A1>IS x");
    expect(ok("A1>IS x").line).toBe("A1>IS x");
    expect(reason("A1>IS x\n\n")).toBe("control byte 0x0a in message");
    expect(reason("A1>IS x\r\r")).toBe("control byte 0x0d in message");
  });

  test("node names", () => {
    expect(isValidNodeName("M1.ENV")).toBe(true);
    expect(isValidNodeName("M2_BC")).toBe(true);
    expect(isValidNodeName("TOOLONGNAME")).toBe(false);
  });

  test("AL and ALL are broadcast", () => {
    expect(isBroadcast("AL")).toBe(true);
    expect(isBroadcast("ALL")).toBe(true);
    expect(isBroadcast("ALX")).toBe(false);
  });
});
