// One log line at a time: ours, the C server's, and what is neither.
import { describe, expect, test } from "bun:test";
import { entryKind, parseEntry, stampMs } from "../../src/forensics/entry.ts";

const at = (iso: string) => Date.parse(`${iso}Z`);

describe("log lines", () => {
  test("a message: names upper-cased, the body as received, its kind from the body", () => {
    const e = parseEntry("2025-09-15T14:03:22.123456 ipc1>m1.ie filter 2");
    expect(e.type).toBe("message");
    if (e.type !== "message") return;
    expect(e.at).toBe(at("2025-09-15T14:03:22.123") + 0.456);
    expect({ src: e.src, dest: e.dest, body: e.body }).toEqual({ src: "IPC1", dest: "M1.IE", body: "filter 2" });
    expect(e.info).toEqual({ kind: "REQ", word: "FILTER" });
    expect(entryKind(e)).toBe("req");
    expect(entryKind(parseEntry("2025-09-15T14:03:22.123456 M1.IE>IPC1 done: filter X=1"))).toBe("done");
    expect(entryKind(parseEntry("2025-09-15T14:03:22.123456 IS>IPC1 ERROR: No Route to Destination Host X - host is unknown/unlisted"))).toBe("error");
  });

  test("a note: its kind, event and fields", () => {
    const e = parseEntry("2025-09-15T14:03:22.123456 Command IPC1>M1.IE FILTER ended with DONE: after 812.345 ms");
    expect(e.type === "note" && { kind: e.note.kind, event: e.note.event, fields: e.fields }).toEqual({
      kind: "command",
      event: "ended",
      fields: { requester: "IPC1", target: "M1.IE", word: "FILTER", outcome: "DONE", ms: "812.345" },
    });
    expect(entryKind(parseEntry("2025-09-15T14:03:22.123456 heartbeat C1 (127.0.0.1:4000)"))).toBe("hb");
  });

  test("the banner: dashes, then who (re)opened the file and when", () => {
    expect(parseEntry("------------------------------").type).toBe("rule");
    const opened = parseEntry("IS runtime log (re)started at UTC 2025-09-15T14:03:22.123456");
    expect(opened.type === "opened" && { id: opened.serverId, at: opened.at }).toEqual({ id: "IS", at: at("2025-09-15T14:03:22.123") + 0.456 });
  });

  test("the C server's lines: its start, its errors, a serial message that kept its \\r", () => {
    const kinds = [
      "2009-10-05T23:59:58.300000 Server started as host IS on port 6600",
      "2009-10-05T23:59:58.300100 ERROR: Could not bind server socket to port 6600 - Address already in use",
      "2009-10-06T00:00:11.000300 Server shutdown normally",
      "2009-10-06T00:00:07.300000 M1.TC>IPC1 STATUS: serial line with its terminator\r",
    ].map((line) => {
      const e = parseEntry(line);
      return e.type === "note" ? `${e.note.kind}.${e.note.event}` : e.type === "message" ? `${e.src}>${e.dest} ${e.body}` : e.type;
    });
    expect(kinds).toEqual(["server.started", "server.error", "server.stopped", "M1.TC>IPC1 STATUS: serial line with its terminator"]);
  });

  test("a message whose control bytes were escaped may be longer than 2048 bytes: still a message", () => {
    const e = parseEntry(`2025-09-15T14:03:22.123456 A1>B1 ${"\\x01".repeat(1000)}`);
    expect(e.type === "message" && e.body.length).toBe(4000);
  });

  test("what the server never writes: garbage with no stamp, an unknown note, stamps that are no dates", () => {
    expect(parseEntry("").type).toBe("garbage");
    expect(parseEntry("\x00\x01\xff binary junk").type).toBe("garbage");
    expect(parseEntry("2025-09-15T14:03:22.123456").type).toBe("garbage");
    expect(parseEntry("2025-09-15T14:03:22.123456 A later server's new line").type).toBe("unknown");
    expect(parseEntry("2025-09-15T14:03:22.123456 >B1 no sender").type).toBe("unknown");
    expect(parseEntry("2025-09-15T14:03:22.123456 A>B1 a one-letter sender").type).toBe("unknown");
    for (const stamp of [
      "2025-02-30T14:03:22.123456",
      "2025-13-01T14:03:22.123456",
      "2025-00-10T14:03:22.123456",
      "2025-09-15T24:03:22.123456",
      "2025-09-15 14:03:22.123456",
      "2025-09-15T14:03:22.12345x",
    ]) {
      expect(stampMs(stamp, 0)).toBeUndefined();
    }
    expect(parseEntry("2025-09-15T14:03:22.123456garbage right after").type).toBe("garbage");
  });
});
