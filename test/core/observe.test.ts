// LIVENESS, INFLIGHT, STATS and the observer behind them, on a core with a
// hand-driven clock: idle times, staleness and lateness need no sleeping.
import { describe, expect, test } from "bun:test";
import { MAX_MESSAGE_BYTES } from "../../src/protocol/message.ts";
import { makeCore } from "./fixture.ts";

const texts = (sent: { text: string }[]) => sent.map((s) => s.text);

/** The DONE:/ERROR: reply to a request sent by NAME (default A1 on port 1000), without header and terminator. */
function ask(f: ReturnType<typeof makeCore>, body: string, name = "A1", port = 1000): string {
  const out = texts(f.from(port, `${name}>IS ${body}\r`));
  const reply = out.find((t) => /^IS>\S+ (DONE|ERROR):/.test(t));
  if (reply === undefined) throw new Error(`no reply to ${body}: ${JSON.stringify(out)}`);
  return reply.slice(`IS>${name} `.length, -1);
}

/** keyword=value pairs of a reply, quoted values unquoted. */
function fields(reply: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of reply.matchAll(/(\S+?)=('[^']*'|\S+)/g)) out[m[1] as string] = (m[2] as string).replace(/^'|'$/g, "");
  return out;
}

describe("LIVENESS", () => {
  test("reports transport, address, idle time and message counts per client", () => {
    const f = makeCore();
    f.from(2000, "B1>IS PING\r"); // in 1, out 1 (PONG)
    f.from(1000, "A1>B1 hello\r"); // B1 out 2
    f.advance(1500);
    const reply = ask(f, "LIVENESS");
    expect(reply).toStartWith("DONE: LIVENESS numClients=2 numStale=0 staleAfter=120 ");
    expect(fields(reply).c0).toBe("B1,udp:127.0.0.1:2000,idle:1.500,in:1,out:2,rtt:-,ok");
    expect(fields(reply).c1).toBe("A1,udp:127.0.0.1:1000,idle:0.000,in:2,out:0,rtt:-,ok");
  });

  test("a client silent past StaleAfter is flagged stale, and is ok again once it speaks", () => {
    const f = makeCore({ staleAfterSec: 10 });
    f.from(2000, "B1>IS\r");
    f.advance(10_001);
    expect(fields(ask(f, "LIVENESS")).c0).toEndWith(",stale");
    expect(ask(f, "LIVENESS")).toContain("numStale=1");
    f.from(2000, "B1>IS\r");
    expect(fields(ask(f, "LIVENESS")).c0).toEndWith(",ok");
  });

  test("the PING round trip is measured from the server's PING to the client's PONG", () => {
    const f = makeCore();
    f.from(2000, "B1>IS PING\r");
    expect(ask(f, "LIVENESS PING")).toBe("DONE: LIVENESS PING numPinged=2");
    expect(f.sent.some((s) => s.to === "127.0.0.1:2000" && s.text === "IS>B1 PING\r")).toBe(true);
    f.advance(2.5);
    f.from(2000, "B1>IS PONG\r");
    expect(fields(ask(f, "LIVENESS")).c0).toContain(",rtt:2.500,");
  });

  test("a routed PING and its PONG measure the target's round trip", () => {
    const f = makeCore();
    f.from(2000, "B1>IS\r");
    f.from(1000, "A1>B1 PING\r");
    f.advance(4);
    f.from(2000, "B1>A1 PONG\r");
    expect(fields(ask(f, "LIVENESS")).c0).toContain(",rtt:4.000,");
  });

  test("32 clients with long names are paged within one datagram, FROM continues where next= says", () => {
    const f = makeCore();
    for (let i = 0; i < 32; i++) f.from(10000 + i, `LONGNM${String(i).padStart(2, "0")}>IS PING\r`);
    f.advance(12_345_678);
    const first = ask(f, "LIVENESS", "LONGNM00", 10000);
    expect(`IS>LONGNM00 ${first}\r`.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const next = fields(first).next;
    expect(next).toBeDefined();
    const second = ask(f, `LIVENESS FROM=${next}`, "LONGNM00", 10000);
    expect(second).toContain(`from=${next} c${next}=`);
    const slots = [first, second].flatMap((r) => [...r.matchAll(/ c(\d+)=/g)].map((m) => Number(m[1])));
    expect(slots).toEqual([...Array(32).keys()]);
  });

  test("bad arguments are refused with an ERROR naming them", () => {
    const f = makeCore();
    expect(ask(f, "LIVENESS FROM x")).toBe("ERROR: LIVENESS FROM needs a number");
    expect(ask(f, "LIVENESS bogus")).toBe("ERROR: LIVENESS unknown argument 'bogus'");
  });
});

describe("INFLIGHT", () => {
  test("a routed request is open until its DONE:, with its last progress; the log gets its latency", () => {
    const f = makeCore();
    f.from(2000, "B1>IS\r");
    f.from(1000, "A1>B1 filter 2\r");
    f.advance(250);
    f.from(2000, "B1>A1 STATUS: FILTER Moving to 'pos 2'\r");
    const open = ask(f, "INFLIGHT");
    expect(open).toStartWith("DONE: INFLIGHT numOpen=1 numLate=0 timeout=120 evicted=0 ");
    expect(fields(open).f0).toBe("A1>B1,FILTER,age:0.250,ok,status:1");
    expect(fields(open).p0).toBe('Moving to "pos 2"');
    f.advance(750);
    f.from(2000, "B1>A1 DONE: filter FILTPOS=2\r");
    expect(ask(f, "INFLIGHT")).toBe("DONE: INFLIGHT numOpen=0 numLate=0 timeout=120 evicted=0");
    expect(f.logged).toContain("Command A1>B1 FILTER ended with DONE: after 1000.000 ms");
  });

  test("REQ:, EXEC: and an implicit request open a command; ERROR: and FATAL: end one; PING does not count", () => {
    const f = makeCore();
    f.from(2000, "B1>IS\r");
    f.from(1000, "A1>B1 REQ: move 1\r");
    f.from(1000, "A1>B1 EXEC: reset\r");
    f.from(1000, "A1>B1 PING\r");
    expect(ask(f, "INFLIGHT")).toContain("numOpen=2 ");
    f.from(2000, "B1>A1 ERROR: move stalled\r");
    f.from(2000, "B1>A1 FATAL: RESET power lost\r");
    expect(ask(f, "INFLIGHT")).toContain("numOpen=0 ");
    expect(f.logged.filter((l) => l.startsWith("Command A1>B1 "))).toEqual([
      "Command A1>B1 MOVE ended with ERROR: after 0.000 ms",
      "Command A1>B1 RESET ended with FATAL: after 0.000 ms",
    ]);
  });

  test("a command quiet past CommandTimeout is flagged late; progress makes it ok again", () => {
    const f = makeCore({ commandTimeoutSec: 5 });
    f.from(2000, "B1>IS\r");
    f.from(1000, "A1>B1 expose 300\r");
    f.advance(5001);
    const late = ask(f, "INFLIGHT");
    expect(late).toContain("numLate=1 timeout=5 ");
    expect(fields(late).f0).toBe("A1>B1,EXPOSE,age:5.001,late,status:0");
    f.from(2000, "B1>A1 STATUS: expose 10 s left\r");
    expect(fields(ask(f, "INFLIGHT")).f0).toContain(",ok,status:1");
  });

  test("INFLIGHT CLEAR forgets every open command", () => {
    const f = makeCore();
    f.from(2000, "B1>IS\r");
    f.from(1000, "A1>B1 hang\r");
    expect(ask(f, "INFLIGHT CLEAR")).toBe("DONE: INFLIGHT CLEAR numCleared=1");
    expect(ask(f, "INFLIGHT")).toContain("numOpen=0 ");
  });
});

describe("STATS", () => {
  test("counts what the core saw, per transport, with latency percentiles per command word", () => {
    const f = makeCore();
    f.from(2000, "B1>IS PING\r"); // received 1, replied 1
    f.from(1000, "A1>B1 filter 1\r"); // received 2, routed 1
    f.advance(10);
    f.from(2000, "B1>A1 DONE: filter\r"); // received 3, routed 2
    f.from(1000, "A1>NOBODY x\r"); // received 4, unknown destination, replied 2
    f.from(1000, "garbage\r"); // received 5, malformed
    f.from(1000, "A1>AL hello\r"); // received 6, broadcast (to B1), server answers the unknown command, replied 3
    f.advance(1000);
    const s = fields(ask(f, "STATS")); // received 7, replied 4 only after the reply is built
    expect(s).toMatchObject({
      uptime: "1.010",
      received: "7",
      routed: "2",
      broadcast: "1",
      replied: "3",
      malformed: "1",
      oversized: "0",
      unknownDestination: "1",
      dropped: "0",
      udpIn: "7",
      udpOut: "6",
      serialIn: "0",
      serialOut: "0",
      inFlight: "0",
      completed: "1",
      numCmds: "1",
      cmd0: "FILTER,n:1,p50:10.000,p90:10.000,p99:10.000,max:10.000",
    });
  });
});

describe("AnnounceStale", () => {
  test("one STATUS: broadcast at the tick when a client goes stale, one the moment it speaks again; none without the keyword", () => {
    const f = makeCore({ staleAfterSec: 2, announceStale: true });
    f.from(1000, "A1>IS\r");
    f.from(2000, "B1>IS\r");
    f.advance(1500);
    f.from(1000, "A1>IS\r");
    f.advance(1000);
    const before = f.sent.length;
    f.core.observer.tick();
    f.core.observer.tick();
    expect(f.sent.slice(before)).toEqual([
      { to: "127.0.0.1:1000", text: "IS>AL STATUS: LIVENESS Host=B1 State=STALE IdleTime=2.500\r" },
      { to: "127.0.0.1:2000", text: "IS>AL STATUS: LIVENESS Host=B1 State=STALE IdleTime=2.500\r" },
    ]);
    // Back is announced as soon as it speaks, not at the next tick.
    const back = f.sent.length;
    f.from(2000, "B1>IS\r");
    expect(texts(f.sent.slice(back))).toEqual(["IS>AL STATUS: LIVENESS Host=B1 State=ALIVE\r", "IS>AL STATUS: LIVENESS Host=B1 State=ALIVE\r"]);
    f.core.observer.tick();
    expect(f.sent.length).toBe(back + 2);

    const quiet = makeCore({ staleAfterSec: 2 });
    quiet.from(2000, "B1>IS\r");
    quiet.advance(5000);
    quiet.core.observer.tick();
    expect(quiet.sent).toEqual([]);
  });
});

describe("when the observer's tick is due (no timer runs with nothing due)", () => {
  test("never, with no clients, no open commands and no monitors", () => {
    const f = makeCore({ staleAfterSec: 120, commandTimeoutSec: 60 });
    expect(f.core.observer.nextDue()).toBeUndefined();
  });

  test("at the moment the next client would go stale; none once all are, until one speaks (which asks for a tick)", () => {
    const f = makeCore({ staleAfterSec: 2 });
    const t0 = f.core.now();
    f.from(1000, "A1>IS\r");
    f.advance(500);
    f.from(2000, "B1>IS\r");
    expect(f.core.observer.nextDue()).toBe(t0 + 2001);
    f.advance(1501);
    f.core.observer.tick();
    expect(f.core.observer.nextDue()).toBe(t0 + 2501);
    f.advance(500);
    f.core.observer.tick();
    expect(f.core.observer.nextDue()).toBeUndefined();
    const wakes = f.wakes();
    f.from(1000, "A1>IS\r");
    expect(f.wakes()).toBe(wakes + 1);
    f.core.observer.tick();
    expect(f.core.observer.nextDue()).toBe(f.core.now() + 2001);
  });

  test("at the moment the next open command would be late; the first request and the answer to a late one ask for a tick", () => {
    const f = makeCore({ staleAfterSec: 0, commandTimeoutSec: 10 });
    f.from(1000, "IPC1>IS\r");
    f.from(2000, "M1.IE>IS\r");
    const wakes = f.wakes();
    const t0 = f.core.now();
    f.from(1000, "IPC1>M1.IE FILTER 2\r");
    expect(f.wakes()).toBe(wakes + 1);
    expect(f.core.observer.nextDue()).toBe(t0 + 10_001);
    f.advance(10_001);
    f.core.observer.tick();
    expect(f.core.observer.nextDue()).toBeUndefined();
    f.from(2000, "M1.IE>IPC1 DONE: FILTER 2\r");
    expect(f.wakes()).toBe(wakes + 2);
  });

  test("every second while a monitor is subscribed; the first subscriber asks for a tick", () => {
    const f = makeCore({ staleAfterSec: 0 });
    const wakes = f.wakes();
    f.from(3000, "MON1>IS MONITOR ON\r");
    expect(f.wakes()).toBe(wakes + 1);
    expect(f.core.observer.nextDue()).toBe(f.core.now() + 1000);
  });
});

test("server commands from the console answer too (no requester)", async () => {
  const f = makeCore();
  expect(await f.core.consoleCommand("EXEC: LIVENESS")).toBe("DONE: LIVENESS numClients=0 numStale=0 staleAfter=120");
  expect(await f.core.consoleCommand("MONITOR ON")).toBe("ERROR: MONITOR ON only a UDP client can watch the traffic");
});
