import { describe, expect, test } from "bun:test";
import { type Conversation, classifyReply, type ReplyKind } from "../../src/client/reply.ts";

const talk: Conversation = { self: "IPC1", dest: "m1.ie", server: "IS", command: "filter 2" };

describe("the second word decides", () => {
  test.each<[string, ReplyKind]>([
    ["M1.IE>IPC1 DONE: filter FILTPOS=2\r", "done"],
    ["M1.IE>IPC1 done: filter\r", "done"],
    ["M1.IE>IPC1 ERROR: filter Motor stalled\r", "failed"],
    ["M1.IE>IPC1 FATAL: filter Power lost\r", "failed"],
    ["M1.IE>IPC1 error: filter lower case\r", "failed"],
    ["M1.IE>IPC1 STATUS: filter Moving\r", "progress"],
    ["M1.IE>IPC1 WARNING: filter Slow\r", "progress"],
    ["M1.IE>IPC1 something else\r", "progress"],
  ])("%j is %s", (raw, kind) => {
    expect(classifyReply(raw, talk).kind).toBe(kind);
  });

  test("the body is the reply without its address header; full keeps it", () => {
    const reply = classifyReply("m1.ie>ipc1   DONE: filter FILTPOS=2  MaskID='A  B'\r\n", talk);
    expect(reply).toEqual({ kind: "done", body: "DONE: filter FILTPOS=2  MaskID='A  B'", full: "M1.IE>IPC1 DONE: filter FILTPOS=2  MaskID='A  B'" });
  });
});

describe("only DEST, or the server speaking for it, ends the command", () => {
  test("the server's No Route error ends it", () => {
    const raw = "IS>IPC1 ERROR: No Route to Destination Host M1.IE - host is unknown/unlisted\r";
    expect(classifyReply(raw, talk).kind).toBe("failed");
  });

  test("a server's refusal ends it whatever the server's node name (here not the IS we were told)", () => {
    const refusals = [
      "M1SRV>IPC1 ERROR: No Route to Destination Host M1.IE - host is unknown/unlisted\r",
      "M1SRV>IPC1 ERROR: Cannot route to M1.IE - tty0 (/dev/ttyS0) is down\r",
      "M1SRV>IPC1 ERROR: Node name IPC1 is pinned to another address, message refused\r",
      "M1SRV>IPC1 ERROR: EXEC: not allowed from 10.0.0.9, executive request refused\r",
      "M1SRV>IPC1 ERROR: Server Host Table Full, Cannot Service Request\r",
    ];
    for (const raw of refusals) expect(classifyReply(raw, talk)).toMatchObject({ kind: "failed", body: raw.slice(11, -1) });
  });

  test("a refusal that names another node, or another sender's words, does not end it", () => {
    expect(classifyReply("M1SRV>IPC1 ERROR: No Route to Destination Host M1.IEX - host is unknown/unlisted\r", talk).kind).toBe("progress");
    expect(classifyReply("M1SRV>IPC1 ERROR: Cannot route to M1.CB - tty0 (/dev/ttyS0) is down\r", talk).kind).toBe("progress");
    expect(classifyReply("M1SRV>IPC1 ERROR: Node name IPC2 is pinned to another address, message refused\r", talk).kind).toBe("progress");
    expect(classifyReply("M1SRV>IPC1 ERROR: something else\r", talk).kind).toBe("progress");
  });

  test("a DONE: from another node to the same name is shown, not taken as the answer", () => {
    expect(classifyReply("M1.CB>IPC1 DONE: home\r", talk).kind).toBe("progress");
  });

  test("a broadcast is shown, never taken as the answer", () => {
    expect(classifyReply("M1.IE>AL DONE: filter\r", talk).kind).toBe("progress");
    expect(classifyReply("IS>ALL ERROR: going down\r", talk).kind).toBe("progress");
  });

  test("a command to AL is answered by whoever replies to us", () => {
    expect(classifyReply("M2.BC>IPC1 DONE: ping\r", { ...talk, dest: "AL" }).kind).toBe("done");
  });

  test("a command to the server is answered by the server", () => {
    expect(classifyReply("IS>IPC1 DONE: STATUS HostName=IS\r", { ...talk, dest: "is" }).kind).toBe("done");
  });
});

describe("the terminator", () => {
  test("any run of CR and LF at the end is the terminator: \\n\\r (the C server's STATUS) leaves no newline in the body", () => {
    for (const end of ["\r", "\n", "\r\n", "\n\r", "\n\r\n", ""]) {
      expect(classifyReply(`IS>IPC1 DONE: STATUS HostName=IS${end}`, { ...talk, dest: "is" }).body).toBe("DONE: STATUS HostName=IS");
    }
  });

  test("a newline inside the body stays in it (the printer escapes it): one datagram, one reply, never a forged DONE:", () => {
    expect(classifyReply("M1.IE>IPC1 STATUS: a\nDONE: b\r", talk)).toMatchObject({ kind: "progress", body: "STATUS: a\nDONE: b" });
  });
});

describe("PING", () => {
  test("a PONG from DEST answers a PING", () => {
    expect(classifyReply("M1.IE>IPC1 PONG\r", { ...talk, command: "ping" }).kind).toBe("done");
  });

  test("a PONG is only progress when we did not PING", () => {
    expect(classifyReply("M1.IE>IPC1 PONG\r", talk).kind).toBe("progress");
  });
});

describe("ignored", () => {
  test.each([
    ["no header at all\r", "no '>' in the address header"],
    ["M1.IE>IPC1\r", "heartbeat"],
    ["M1.IE>IPC2 DONE: filter\r", "addressed to IPC2"],
    ["TOOLONGNAME>IPC1 DONE: x\r", "bad sender: node name 'TOOLONGNAME' is longer than 8 characters"],
  ])("%j: %s", (raw, reason) => {
    expect(classifyReply(raw, talk)).toMatchObject({ kind: "ignored", reason });
  });
});

describe("hostile replies", () => {
  // A regular expression for the terminator took ~5 s on this one (quadratic
  // in the run of newlines); the loop is linear. A hang fails on the test timeout.
  test("a datagram holding 65,000 newlines before its terminator is classified, not scanned forever", () => {
    const reply = classifyReply(`M1.IE>IPC1 STATUS: x${"\n".repeat(65_000)}y\r`, talk);
    expect(reply).toMatchObject({ kind: "ignored", reason: "oversized message (65021 bytes, limit 2048)" });
    expect(reply.full).toEndWith("\ny");
  });
});
