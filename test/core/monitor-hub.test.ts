// MONITOR subscriptions on a core with a hand-driven clock: what a monitor
// is sent, what it is not, and that nobody watching costs no datagram.
import { describe, expect, test } from "bun:test";
import { COPY_RATE, MONITOR_LEASE_MS } from "../../src/core/monitor-hub.ts";
import { MAX_MESSAGE_BYTES } from "../../src/protocol/message.ts";
import { makeCore } from "./fixture.ts";

const MON = 7000;

/** A core with B1 (2000) and C1 (3000) known, and MON1 (7000) subscribed with `filter`. */
function watched(filter = "") {
  const f = makeCore();
  f.from(2000, "B1>IS\r");
  f.from(3000, "C1>IS\r");
  const ack = f.from(MON, `MON1>IS MONITOR ON ${filter}\r`);
  return { f, ack: ack.map((s) => s.text) };
}

/** What MON1 was sent since `start`, once the deferred copies have gone out. */
function copies(f: ReturnType<typeof makeCore>, start = 0): string[] {
  f.core.observer.hub.flush();
  return f.sent
    .slice(start)
    .filter((s) => s.to === `127.0.0.1:${MON}`)
    .map((s) => s.text);
}

describe("MONITOR", () => {
  test("ON answers with the lease and filters, then each message received and sent is copied as STATUS: MONITOR", () => {
    const { f, ack } = watched();
    expect(ack).toEqual([`IS>MON1 DONE: MONITOR ON lease=${MONITOR_LEASE_MS / 1000} node=* type=*\r`]);
    const start = f.sent.length;
    f.from(2000, "B1>C1 filter 2\r");
    f.from(2000, "B1>IS PING\r");
    expect(copies(f, start)).toEqual([
      "IS>MON1 STATUS: MONITOR seq=1 rx B1>C1 filter 2\r",
      "IS>MON1 STATUS: MONITOR seq=2 rx B1>IS PING\r",
      "IS>MON1 STATUS: MONITOR seq=3 tx IS>B1 PONG\r",
    ]);
  });

  test("the copies go out after the message has been routed", () => {
    const { f } = watched();
    const start = f.sent.length;
    f.from(2000, "B1>C1 first\r");
    expect(f.sent.slice(start).map((s) => s.to)).toEqual(["127.0.0.1:3000"]);
    expect(copies(f, start)).toHaveLength(1);
  });

  test("filters by node (a trailing * matches a prefix) and by type; heartbeats and bad input are kinds too", () => {
    const { f, ack } = watched("NODE=C1,M1.* TYPE done,Status:");
    expect(ack[0]).toContain("node=C1,M1.* type=DONE,STATUS");
    const start = f.sent.length;
    f.from(2000, "B1>C1 move\r"); // a REQ: not shown
    f.from(3000, "C1>B1 STATUS: move half way\r");
    f.from(2000, "B1>IS STATUS: about me\r"); // not C1, not M1.*
    f.from(4000, "M1.IE>IS DONE: x\r");
    expect(copies(f, start)).toEqual(["IS>MON1 STATUS: MONITOR seq=1 rx C1>B1 STATUS: move half way\r", "IS>MON1 STATUS: MONITOR seq=2 rx M1.IE>IS DONE: x\r"]);

    const other = watched("TYPE HB,BAD").f;
    const from = other.sent.length;
    other.from(2000, "B1>IS\r");
    other.from(2000, "no header\r");
    other.from(2000, "B1>IS PING\r");
    expect(copies(other, from)).toEqual([
      "IS>MON1 STATUS: MONITOR seq=1 rx B1>IS\r",
      "IS>MON1 STATUS: MONITOR seq=2 bad Ignored malformed message from 127.0.0.1:2000: no '>' in the address header: 'no header\\x0d'\r",
    ]);
  });

  test("a monitor's own traffic (renewals, queries) is never copied to anyone", () => {
    const { f } = watched();
    const start = f.sent.length;
    f.from(MON, "MON1>IS LIVENESS\r");
    f.from(MON, "MON1>IS MONITOR ON\r");
    expect(copies(f, start).filter((t) => t.includes("STATUS: MONITOR"))).toEqual([]);
  });

  test("a copy of a near-2048-byte message is cut to fit one datagram and says how much was cut", () => {
    const { f } = watched();
    const start = f.sent.length;
    const body = "x".repeat(MAX_MESSAGE_BYTES - "B1>C1 \r".length);
    f.from(2000, `B1>C1 ${body}\r`);
    const copy = copies(f, start)[0] ?? "";
    expect(copy.length).toBe(MAX_MESSAGE_BYTES);
    const cut = Number(copy.match(/ cut=(\d+) rx B1>C1 x+\r$/)?.[1]);
    // What was kept plus what was cut is the whole message.
    const kept = copy.slice(copy.indexOf(" rx ") + 1, -1);
    expect(kept.length + cut).toBe(`rx B1>C1 ${body}`.length);
  });

  test("the subscription lapses unless renewed; OFF ends it at once", () => {
    const { f } = watched();
    f.advance(MONITOR_LEASE_MS - 1000);
    f.from(MON, "MON1>IS MONITOR ON\r"); // renewed
    f.advance(MONITOR_LEASE_MS - 1000);
    let start = f.sent.length;
    f.from(2000, "B1>C1 still watched\r");
    expect(copies(f, start)).toHaveLength(1);
    f.advance(1001);
    start = f.sent.length;
    f.from(2000, "B1>C1 lapsed\r");
    expect(copies(f, start)).toEqual([]);
    expect(f.core.observer.hub.active).toBe(false);

    const again = watched().f;
    expect(again.from(MON, "MON1>IS MONITOR OFF\r").map((s) => s.text)).toEqual(["IS>MON1 DONE: MONITOR OFF\r"]);
    expect(again.core.observer.hub.active).toBe(false);
  });

  test("nobody watching: no copies, no snapshots, nothing queued", () => {
    const f = makeCore();
    f.from(2000, "B1>IS\r");
    f.from(3000, "C1>IS\r");
    const start = f.sent.length;
    f.from(2000, "B1>C1 hello\r");
    f.core.observer.tick();
    f.core.observer.hub.flush();
    expect(f.sent.slice(start).map((s) => s.to)).toEqual(["127.0.0.1:3000"]);
  });

  test("once a second each monitor gets LIVENESS, INFLIGHT and STATS snapshots", () => {
    const { f } = watched();
    f.from(2000, "B1>C1 move\r");
    copies(f); // the copy of that message goes out first
    const start = f.sent.length;
    f.core.observer.tick();
    const snap = copies(f, start);
    expect(snap.map((t) => t.split(" ").slice(3, 5).join(" "))).toEqual(["seq=2 LIVENESS", "seq=3 INFLIGHT", "seq=4 STATS"]);
    expect(snap[0]).toContain(" c0=B1,udp:127.0.0.1:2000,");
    expect(snap[1]).toContain(" f0=B1>C1,MOVE,age:0.000,ok,status:0");
  });

  test("a snapshot of 32 clients at long names is paged: every datagram within 2048 bytes, every slot once", () => {
    const f = makeCore();
    for (let i = 0; i < 31; i++) f.from(10000 + i, `LONGNM${String(i).padStart(2, "0")}>IS PING\r`);
    f.from(MON, "MON12345>IS MONITOR ON\r");
    f.advance(10_000); // within the lease
    const start = f.sent.length;
    f.core.observer.tick();
    const pages = f.sent
      .slice(start)
      .map((s) => s.text)
      .filter((t) => t.includes(" LIVENESS "));
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const slots = pages.flatMap((p) => [...p.matchAll(/ c(\d+)=/g)].map((m) => Number(m[1])));
    expect(slots).toEqual([...Array(32).keys()]);
  });

  test("more than COPY_RATE copies a second are dropped, counted, and show as a gap in sequence numbers", () => {
    const { f } = watched();
    const start = f.sent.length;
    for (let i = 0; i < COPY_RATE + 100; i++) f.from(2000, `B1>C1 n${i}\r`);
    expect(copies(f, start)).toHaveLength(COPY_RATE);
    expect(f.core.observer.hub.totalDropped).toBe(100);
    f.advance(1000);
    f.from(2000, "B1>C1 a second later\r");
    expect(copies(f, f.sent.length - 1)).toEqual([`IS>MON1 STATUS: MONITOR seq=${COPY_RATE + 101} rx B1>C1 a second later\r`]);
  });

  test("refusals: not from a UDP client, unknown filters, too many monitors", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true });
    f.core.receive("M1.IE>IS MONITOR ON\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(f.sent.at(-1)?.text).toBe("IS>M1.IE ERROR: MONITOR ON only a UDP client can watch the traffic\r");
    const ask = (body: string) => f.from(MON, `MON1>IS ${body}\r`)[0]?.text;
    expect(ask("MONITOR ON COLOUR red")).toBe("IS>MON1 ERROR: MONITOR unknown filter 'COLOUR' (NODE or TYPE)\r");
    expect(ask("MONITOR ON TYPE chatter")).toStartWith("IS>MON1 ERROR: MONITOR unknown type 'chatter' (");
    expect(ask("MONITOR ON NODE a>b")).toBe("IS>MON1 ERROR: MONITOR bad node name 'a>b'\r");
    for (let i = 1; i <= 4; i++) expect(f.from(MON + i, `MON${i}>IS MONITOR ON\r`)[0]?.text).toStartWith(`IS>MON${i} DONE: MONITOR ON`);
    expect(f.from(MON + 5, "MON5>IS MONITOR ON\r")[0]?.text).toBe("IS>MON5 ERROR: MONITOR ON too many monitors, try again later\r");
    expect(f.from(MON + 1, "MON1>IS MONITOR\r")[0]?.text).toStartWith(
      "IS>MON1 DONE: MONITOR numMonitors=4 maxMonitors=4 m0=MON1,udp:127.0.0.1:7001,lease:15.000,",
    );
  });
});
