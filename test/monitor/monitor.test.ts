// The monitor's pure parts: its command line, what a datagram from the
// server means, the state built from them, and the screen drawn from it.
import { describe, expect, test } from "bun:test";
import { parseCmdArgs } from "../../src/client/args.ts";
import type { TargetOptions } from "../../src/client/shared-args.ts";
import { defaultMonitorId, parseMonitorArgs } from "../../src/monitor/args.ts";
import { readFeed } from "../../src/monitor/feed.ts";
import { readHostReply } from "../../src/monitor/name-check.ts";
import { renderScreen, trafficLine } from "../../src/monitor/render.ts";
import { MonitorState } from "../../src/monitor/state.ts";

describe("the --id check's reading of HOST NAME", () => {
  const answered = (body: string) =>
    ({ kind: "answered", reply: { kind: body.startsWith("DONE:") ? "done" : "failed", body, full: `IS>MON1 ${body}` } }) as const;

  test("unknown to the server: free", () => {
    expect(readHostReply("eng1", "IS", answered("ERROR: HOST Unknown Host ENG1"))).toEqual({ ok: true });
  });

  test("in the host table: refused, saying where that name's route goes and how to insist", () => {
    const check = readHostReply("m1.env", "IS", answered("DONE: HOST Host3=M1.ENV Method3=UDP udpAddr3=127.0.0.1 udpPort3=10901 IdleTime3=2.500"));
    expect(check).toEqual({
      ok: false,
      message:
        "--id M1.ENV is in IS's host table (Method=UDP udpAddr=127.0.0.1 udpPort=10901 IdleTime=2.500): a name an agent uses? use --force-id to take it anyway",
      exitCode: 1,
    });
  });

  test("no answer, or one it cannot read: refused as unchecked, exit 2, naming --force-id", () => {
    for (const end of [
      { kind: "timeout" },
      { kind: "unreachable", message: "no ISIS server is listening at h:1 (port unreachable)" },
      answered("ERROR: Unrecognized ISIS command - HOST"),
    ] as const) {
      const check = readHostReply("eng1", "IS", end);
      expect(check).toMatchObject({ ok: false, exitCode: 2 });
      expect(check.ok ? "" : check.message).toStartWith("cannot check that --id ENG1 is free: ");
      expect(check.ok ? "" : check.message).toEndWith("use --force-id to take it anyway");
    }
  });
});

describe("args", () => {
  test("server choice as for isis cmd, filters as comma lists or repeated options", () => {
    expect(parseMonitorArgs(["--host", "127.0.0.1:6600", "--node", "m1.ie,M1.*", "--node=ipc1", "--type", "done:,Error", "--plain"])).toEqual({
      action: "run",
      options: {
        instrument: undefined,
        host: { host: "127.0.0.1", port: 6600 },
        config: undefined,
        server: undefined,
        id: undefined,
        nodes: ["M1.IE", "M1.*", "IPC1"],
        types: ["DONE", "ERROR"],
        plain: true,
        forceId: false,
      },
    });
    expect(parseMonitorArgs(["--id", "m1.env", "--force-id"])).toMatchObject({ action: "run", options: { id: "m1.env", forceId: true } });
    expect(parseMonitorArgs(["--version"])).toEqual({ action: "version" });
    expect(parseMonitorArgs(["-V"])).toEqual({ action: "version" });
    expect(parseMonitorArgs(["-m", "2"])).toMatchObject({ action: "run", options: { instrument: "mods2" } });
    expect(parseMonitorArgs(["-m1"])).toMatchObject({ action: "run", options: { instrument: "mods1" } });
    expect(parseMonitorArgs(["--help"])).toEqual({ action: "help" });
  });

  test("errors are values with a message", () => {
    expect(parseMonitorArgs(["-m", "3"])).toEqual({ action: "error", message: "invalid argument '3' for -m: must be 1 or 2" });
    expect(parseMonitorArgs(["--node"])).toEqual({ action: "error", message: "option '--node' needs a value" });
    expect(parseMonitorArgs(["is"])).toEqual({ action: "error", message: "unexpected argument 'is'" });
  });

  test("the made-up node name is a valid one of at most 8 characters", () => {
    expect(defaultMonitorId(4_194_303)).toBe("MON94303");
    expect(defaultMonitorId(7)).toBe("MON7");
  });
});

describe("feed", () => {
  const read = (raw: string) => readFeed(raw, "MON1", "IS");

  test("copies of traffic, cut ones included", () => {
    expect(read("IS>MON1 STATUS: MONITOR seq=7 rx A1>B1 filter 2\r")).toEqual({ kind: "copy", seq: 7, cut: 0, direction: "rx", text: "A1>B1 filter 2" });
    expect(read("IS>MON1 STATUS: MONITOR seq=8 cut=40 tx IS>A1 DONE: x\r")).toMatchObject({ cut: 40, direction: "tx", text: "IS>A1 DONE: x" });
  });

  test("snapshot pages with their items, quoted values and paging fields", () => {
    const event = read("IS>MON1 STATUS: MONITOR seq=9 INFLIGHT numOpen=1 from=3 f3=A1>B1,MOVE,age:1.000,ok,status:1 p3='half way' next=5\r");
    expect(event).toEqual({
      kind: "page",
      seq: 9,
      topic: "INFLIGHT",
      page: {
        fields: { numOpen: "1", from: "3", f3: "A1>B1,MOVE,age:1.000,ok,status:1", p3: "half way", next: "5" },
        items: ["f3"],
        from: 3,
        next: 5,
      },
    });
  });

  test("the answer to MONITOR ON, a refusal, a PING to answer; anything else is ignored", () => {
    expect(read("IS>MON1 DONE: MONITOR ON lease=15 node=* type=*\r")).toEqual({ kind: "subscribed", text: "DONE: MONITOR ON lease=15 node=* type=*" });
    expect(read("IS>MON1 ERROR: Unrecognized ISIS command - MONITOR\r")).toEqual({ kind: "refused", text: "ERROR: Unrecognized ISIS command - MONITOR" });
    expect(read("IS>MON1 PING\r")).toEqual({ kind: "ping", from: "IS" });
    expect(read("A1>AL PING\r")).toEqual({ kind: "ping", from: "A1" });
    expect(read("A1>MON1 ERROR: not the server\r")).toEqual({ kind: "ignored" });
    expect(read("IS>OTHER STATUS: MONITOR seq=1 rx x>y z\r")).toEqual({ kind: "ignored" });
    expect(read("garbage")).toEqual({ kind: "ignored" });
  });
});

describe("state", () => {
  const at = Date.UTC(2025, 8, 15, 14, 3, 22, 123);
  const feed = (state: MonitorState, raw: string) => state.apply(readFeed(raw, "MON1", "IS"), at);

  test("a snapshot replaces a table only once its last page is in", () => {
    const s = new MonitorState();
    expect(
      feed(s, "IS>MON1 STATUS: MONITOR seq=1 LIVENESS numClients=2 numStale=1 staleAfter=120 c0=A1,udp:127.0.0.1:1000,idle:1.000,in:1,out:2,rtt:-,ok next=4\r"),
    ).toBeUndefined();
    expect(s.clients).toBeUndefined();
    expect(
      feed(
        s,
        "IS>MON1 STATUS: MONITOR seq=2 LIVENESS numClients=2 numStale=1 staleAfter=120 from=4 c4=B1,tty0:/dev/ttyS0,idle:200.000,in:3,out:4,rtt:12.500,stale\r",
      ),
    ).toBe("tables");
    expect(s.clients?.rows).toEqual([
      { slot: 0, name: "A1", via: "udp 127.0.0.1:1000", idle: "1.000", messagesIn: "1", messagesOut: "2", rtt: "-", stale: false },
      { slot: 4, name: "B1", via: "tty0 /dev/ttyS0", idle: "200.000", messagesIn: "3", messagesOut: "4", rtt: "12.500", stale: true },
    ]);
  });

  test("gaps in sequence numbers count as lost; a restarted server (seq back to 1) does not", () => {
    const s = new MonitorState();
    feed(s, "IS>MON1 STATUS: MONITOR seq=1 rx A1>B1 x\r");
    feed(s, "IS>MON1 STATUS: MONITOR seq=4 rx A1>B1 y\r");
    expect(s.lost).toBe(2);
    feed(s, "IS>MON1 STATUS: MONITOR seq=1 rx A1>B1 z\r");
    expect(s.lost).toBe(2);
    expect(s.traffic.map((t) => t.text)).toEqual(["A1>B1 x", "A1>B1 y", "A1>B1 z"]);
  });
});

describe("render", () => {
  const at = Date.UTC(2025, 8, 15, 14, 3, 22, 123);

  test("a traffic line: UTC time, direction, text made printable, and what was cut", () => {
    expect(trafficLine({ at, direction: "rx", text: "A1>B1 \x1b[2Jboom", cut: 0 })).toBe("14:03:22.123 rx A1>B1 \\x1b[2Jboom");
    expect(trafficLine({ at, direction: "tx", text: "IS>A1 x", cut: 17 })).toBe("14:03:22.123 tx IS>A1 x [+17 bytes cut]");
  });

  test("the screen fits the terminal: never more rows or columns than it has, newest traffic last", () => {
    const s = new MonitorState();
    for (let i = 0; i < 100; i++) s.apply({ kind: "copy", seq: i + 1, cut: 0, direction: "rx", text: `A1>B1 message ${i} ${"x".repeat(100)}` }, at);
    const facts = { title: "IS at 127.0.0.1:6600 as MON1", filter: "node=* type=*", link: "watching", now: at, rows: 20, cols: 60 } as const;
    const lines = renderScreen(s, facts);
    expect(lines).toHaveLength(20);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines[0]).toStartWith("isis monitor  IS at 127.0.0.1:6600 as MON1  watching");
    expect(lines.at(-1)).toStartWith("  14:03:22.123 rx A1>B1 message 99 ");
    expect(renderScreen(s, { ...facts, link: "silent", cols: 120 })[0]).toContain("NO WORD FROM THE SERVER");
  });
});

describe("server selection is spelled the same for isis cmd and isis monitor", () => {
  test("--host, -m, --config, --server and --id give the same target in both", () => {
    const options = ["--host", "127.0.0.1:7000", "-m", "2", "--config", "/tmp/i.ini", "--server", "IS2", "--id", "ME"];
    const cmd = parseCmdArgs([...options, "IS2", "status"]);
    const monitor = parseMonitorArgs(options);
    if (cmd.action !== "run" || monitor.action !== "run") throw new Error("both should parse");
    const pick = ({ instrument, host, config, server, id }: TargetOptions) => ({ instrument, host, config, server, id });
    expect(pick(monitor.options)).toEqual(pick(cmd.options));
    expect(pick(cmd.options)).toEqual({ instrument: "mods2", host: { host: "127.0.0.1", port: 7000 }, config: "/tmp/i.ini", server: "IS2", id: "ME" });
  });

  test("a bad --host is refused by both with the same words", () => {
    const cmd = parseCmdArgs(["--host", "h:0", "IS", "status"]);
    const monitor = parseMonitorArgs(["--host", "h:0"]);
    if (cmd.action !== "error" || monitor.action !== "error") throw new Error("both should refuse");
    expect(monitor.message).toBe(cmd.message);
  });
});
