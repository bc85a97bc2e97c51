// Issue 14 in the routing core, with its injected clock and recording
// outbox: what is done with datagrams that were not delivered, loops through
// the server itself, and a host table that heals. The transports' side (the
// error queue, every datagram attempted) is tested on real sockets in
// test/transport/udp.test.ts and end to end in test/e2e/.
import { describe, expect, test } from "bun:test";
import { MAX_HOSTS } from "../../src/core/host-table.ts";
import { udpEndpoint } from "../../src/shared/endpoint.ts";
import { makeCore } from "./fixture.ts";

const texts = (sent: { text: string }[]) => sent.map((s) => s.text);
/** The value of `key=` in a STATS reply. */
const stat = (reply: string | undefined, key: string): number => Number(new RegExp(` ${key}=(\\d+)`).exec(reply ?? "")?.[1]);

describe("datagrams that were not delivered", () => {
  test("an ICMP report marks the client unreachable once, logs what it missed, and counts it; its next message clears it", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.core.unreachable(f.udp(2000), "port unreachable", "A1>AL hello\r");
    f.advance(1500);
    f.core.unreachable(f.udp(2000), "port unreachable", "IS>B1 PING\r");
    expect(f.logged.filter((l) => l.includes("is unreachable"))).toEqual(["Client B1 (127.0.0.1:2000) is unreachable: port unreachable"]);
    expect(f.logged).toContain("Not delivered to 127.0.0.1:2000 (B1): port unreachable: 'A1>AL hello\\x0d'");
    expect(f.logged).toContain("Not delivered to 127.0.0.1:2000 (B1): port unreachable: 'IS>B1 PING\\x0d'");

    const hosts = texts(f.from(1000, "A1>IS HOSTS\r"))[0];
    expect(hosts).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1 unreachable=B1\r");
    expect(texts(f.from(1000, "A1>IS HOST B1\r"))[0]).toBe(
      "IS>A1 DONE: HOST Host1=B1 Method1=UDP udpAddr1=127.0.0.1 udpPort1=2000 IdleTime1=1.500 State1=UNREACHABLE Since1=1.500 Why1=port_unreachable Undelivered1=2\r",
    );
    expect(texts(f.from(1000, "A1>IS LIVENESS\r"))[0]).toContain(" c1=B1,udp:127.0.0.1:2000,idle:1.500,in:1,out:1,rtt:-,unreachable:1.500,undelivered:2,ok");
    const stats = texts(f.from(1000, "A1>IS STATS\r"))[0];
    expect([stat(stats, "dropped"), stat(stats, "unreachable"), stat(stats, "notSent")]).toEqual([2, 2, 0]);

    f.advance(500);
    f.from(2001, "B1>IS PING\r");
    expect(f.logged).toContain("Client B1 (127.0.0.1:2001) heard from again after 2.000 s unreachable");
    expect(texts(f.from(1000, "A1>IS HOSTS\r"))[0]).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
  });

  test("a routed request that came back unreachable gets its sender an ERROR, and its command is closed", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.from(1000, "A1>B1 FILTER 2\r");
    const before = f.sent.length;
    f.core.unreachable(f.udp(2000), "port unreachable", "A1>B1 FILTER 2\r");
    expect(f.sent.slice(before)).toEqual([
      { to: "127.0.0.1:1000", text: "IS>A1 ERROR: Cannot route to B1 - 127.0.0.1:2000 is unreachable (port unreachable)\r" },
    ]);
    expect(texts(f.from(1000, "A1>IS INFLIGHT\r"))[0]).toContain("numOpen=0");
  });

  test("no ERROR for a lost reply, broadcast, PING or the server's own message: an error never answers an error", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    const before = f.sent.length;
    for (const payload of ["A1>B1 DONE: FILTER 2\r", "A1>AL hello\r", "A1>B1 PING\r", "IS>B1 ERROR: whatever\r", "A1>B1 STATUS: x\r", "garbage"]) {
      f.core.unreachable(f.udp(2000), "port unreachable", payload);
    }
    // A report that named no destination (Bun read it first) is counted and logged too.
    f.core.unreachable(undefined, "port unreachable", "");
    expect(f.sent.length).toBe(before);
    expect(f.logged).toContain("Not delivered to a destination the report did not name: port unreachable");
    expect(stat(texts(f.from(1000, "A1>IS STATS\r"))[0], "unreachable")).toBe(7);
  });

  test("a datagram the kernel would not send is counted and logged, and its client is not called unreachable", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.core.notSent(f.udp(2000), "A1>B1 FILTER 2\r", "network unreachable");
    expect(f.logged).toContain("Not sent to 127.0.0.1:2000 (B1): network unreachable: 'A1>B1 FILTER 2\\x0d'");
    expect(texts(f.sent.slice(-1))).toEqual(["IS>A1 ERROR: Cannot route to B1 - 127.0.0.1:2000 refused the datagram (network unreachable)\r"]);
    const stats = texts(f.from(1000, "A1>IS STATS\r"))[0];
    expect([stat(stats, "dropped"), stat(stats, "notSent"), stat(stats, "unreachable")]).toEqual([1, 1, 0]);
    expect(texts(f.from(1000, "A1>IS HOSTS\r"))[0]).not.toContain("unreachable=");
  });
});

test("a reply to a serial client whose port went down is logged as not delivered, and counted", () => {
  const f = makeCore();
  f.serial.push({ device: "/dev/ttyS0", up: true });
  const tty = { kind: "serial", index: 0, device: "/dev/ttyS0" } as const;
  f.core.receive("M1.IE>IS PING\r", tty);
  f.serial[0] = { device: "/dev/ttyS0", up: false };
  f.core.receive("M1.IE>IS PING\r", tty);
  expect(f.logged.slice(-2)).toEqual(["IS>M1.IE PONG", "Not delivered to /dev/ttyS0 (M1.IE): the port is down: 'IS>M1.IE PONG'"]);
  expect(stat(texts(f.from(1000, "A1>IS STATS\r"))[0], "dropped")).toBe(1);
});

test("a message routed to a serial client whose port is down is logged as not delivered and counted, a reply too (which gets no ERROR)", () => {
  const f = makeCore();
  f.serial.push({ device: "/dev/ttyS0", up: true });
  f.core.receive("M1.IE>IS PING\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
  f.from(1000, "A1>IS PING\r");
  f.serial[0] = { device: "/dev/ttyS0", up: false };
  expect(texts(f.from(1000, "A1>M1.IE FILTER 2\r"))).toEqual(["IS>A1 ERROR: Cannot route to M1.IE - /dev/ttyS0 is down\r"]);
  expect(f.from(1000, "A1>M1.IE DONE: FILTER\r")).toEqual([]);
  expect(f.logged.filter((l) => l.startsWith("Not delivered"))).toEqual([
    "Not delivered to /dev/ttyS0 (M1.IE): the port is down: 'A1>M1.IE FILTER 2\\x0d'",
    "Not delivered to /dev/ttyS0 (M1.IE): the port is down: 'A1>M1.IE DONE: FILTER\\x0d'",
  ]);
  expect(stat(texts(f.from(1000, "A1>IS STATS\r"))[0], "dropped")).toBe(2);
});

describe("loops through the server itself", () => {
  test("a datagram from the server's own socket is dropped before it touches the table, counted and warned once a minute", () => {
    const f = makeCore();
    for (const address of ["127.0.0.1", "127.3.4.5", "0.0.0.0"]) f.core.receive("X1>AL hello\r", udpEndpoint(address, 6600));
    f.core.receive("X1>AL hello\r", f.udp(6600));
    expect(f.core.hosts.size).toBe(0);
    expect(f.sent).toEqual([]);
    expect(f.logged.filter((l) => l.startsWith("Cut a loop: dropped a datagram from 127.0.0.1:6600, this server's own socket"))).toHaveLength(2);
    expect(f.notices.filter((n) => n.startsWith("Cut a loop"))).toHaveLength(1);
    f.advance(60_000);
    f.core.receive("X1>AL hello\r", f.udp(6600));
    expect(f.notices.filter((n) => n.startsWith("Cut a loop"))).toEqual([
      "Cut a loop: dropped a datagram from 127.0.0.1:6600, this server's own socket: 'X1>AL hello\\x0d'",
      "Cut a loop: dropped a datagram from 127.0.0.1:6600, this server's own socket: 'X1>AL hello\\x0d' (3 more like it since the last notice)",
    ]);
    expect(stat(texts(f.from(1000, "A1>IS STATS\r"))[0], "loops")).toBe(5);
  });

  test("a message in the server's own name or AL's is never registered or answered (an echo service reflecting IS>AL PING)", () => {
    const f = makeCore();
    for (const raw of ["IS>AL PING\r", "is>A1 hello\r", "AL>IS PING\r", "ALL>IS PING\r"]) expect(f.from(7777, raw)).toEqual([]);
    expect(f.core.hosts.size).toBe(0);
    expect(f.logged.filter((l) => l.includes("in the name of the server or of AL"))).toHaveLength(4);
  });

  test("UDPPING and a UDPPort aimed at the server's own socket are refused; nothing is ever sent there", () => {
    const f = makeCore({
      presetPorts: [
        { host: "127.0.0.1", port: 6600 },
        { host: "127.0.0.1", port: 10901 },
      ],
    });
    expect(texts(f.from(1000, "A1>IS UDPPING 127.0.0.1 6600\r"))).toEqual(["IS>A1 ERROR: UDPPING 127.0.0.1:6600 is this server's own address, not PINGed\r"]);
    expect(texts(f.from(1000, "A1>IS UDPPING 0.0.0.0 6600\r"))).toEqual(["IS>A1 ERROR: UDPPING 0.0.0.0:6600 is this server's own address, not PINGed\r"]);
    f.core.checkPresets();
    expect(f.notices).toContain("UDPPort 127.0.0.1 6600 is this server's own address and port: it is never PINGed (a loop)");
    const before = f.sent.length;
    f.core.handshake();
    expect(f.sent.slice(before)).toEqual([{ to: "127.0.0.1:10901", text: "IS>AL PING\r" }]);
  });

  test("a message for a client reached through the same serial line it arrived on is that line's echo: dropped, the sender's route unchanged", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true });
    f.core.receive("M1.IE>IS PING\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    f.from(1000, "A1>IS PING\r");
    f.from(1000, "A1>M1.IE FILTER 2\r");
    // The device echoes the line back, and then (some time later) the server's own PONG.
    f.core.receive("A1>M1.IE FILTER 2", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1000));
    expect(f.logged.filter((l) => l.startsWith("Cut a loop: dropped an echo on /dev/ttyS0"))).toHaveLength(1);
  });

  test("a broadcast echoed by a serial device is known by its text: it is not broadcast again, and its sender stays where it is", () => {
    const f = makeCore();
    f.serial.push({ device: "/dev/ttyS0", up: true });
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.from(1000, "A1>AL hello\r");
    const before = f.sent.length;
    f.core.receive("A1>AL hello", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(f.sent.length).toBe(before);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1000));
    // Long after, the same words from the port are a message again.
    f.advance(31_000);
    f.core.receive("A1>AL hello", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(f.core.hosts.get("A1")?.endpoint.kind).toBe("serial");
  });

  test("a routed message coming back unchanged from where it went (an echo service behind a name) is cut: not routed again, its sender's route unchanged", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(3000, "XE>IS PING\r");
    expect(texts(f.from(1000, "A1>XE hello\r"))).toEqual(["A1>XE hello\r"]);
    expect(f.from(3000, "A1>XE hello\r")).toEqual([]);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1000));
    expect(f.logged).toContain("Cut a loop: dropped a message that came back from 127.0.0.1:3000, where it was routed: 'A1>XE hello\\x0d'");
    expect(f.notices.filter((n) => n.startsWith("Cut a loop: dropped a message that came back"))).toHaveLength(1);
    expect(stat(texts(f.from(1000, "A1>IS STATS\r"))[0], "loops")).toBe(1);
    // Long after, the same words from there are a message again (the name moves, as any client's would).
    f.advance(5001);
    expect(texts(f.from(3000, "A1>XE hello\r"))).toEqual(["A1>XE hello\r"]);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(3000));
  });

  test("a second server routing a name back here (each holding the other's address for it) is cut after one turn", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    // IS2 at 5000 relayed a message from FAR, so FAR is known there: what is sent to FAR goes to IS2, which knows FAR here.
    f.from(5000, "FAR>IS PING\r");
    expect(texts(f.from(1000, "A1>FAR FILTER 2\r"))).toEqual(["A1>FAR FILTER 2\r"]);
    expect(f.from(5000, "A1>FAR FILTER 2\r")).toEqual([]);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1000));
  });

  test("a broadcast reflected by a client's address is not broadcast again, and its sender stays where it is", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.from(3000, "XE>IS PING\r");
    const copies = (sent: { to: string; text: string }[]) => sent.filter((s) => s.text === "A1>AL hello\r").map((s) => s.to);
    expect(copies(f.from(1000, "A1>AL hello\r"))).toEqual(["127.0.0.1:2000", "127.0.0.1:3000"]);
    expect(f.from(3000, "A1>AL hello\r")).toEqual([]);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1000));
  });

  test("the same words again are not a loop: a request repeated by its sender, re-sent from a new port (another isisCmd run), an agent restarted announcing itself", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    expect(texts(f.from(1000, "A1>B1 STATUS\r"))).toEqual(["A1>B1 STATUS\r"]);
    expect(texts(f.from(1000, "A1>B1 STATUS\r"))).toEqual(["A1>B1 STATUS\r"]);
    expect(texts(f.from(1001, "A1>B1 STATUS\r"))).toEqual(["A1>B1 STATUS\r"]);
    expect(f.core.hosts.get("A1")?.endpoint).toEqual(f.udp(1001));
    expect(f.from(2000, "B1>AL STATUS: B1 started\r").map((s) => s.to)).toEqual(["127.0.0.1:1001"]);
    expect(f.from(2001, "B1>AL STATUS: B1 started\r").map((s) => s.to)).toEqual(["127.0.0.1:1001"]);
    expect(f.core.hosts.get("B1")?.endpoint).toEqual(f.udp(2001));
    expect(stat(texts(f.from(1001, "A1>IS STATS\r"))[0], "loops")).toBe(0);
  });

  test("replies are never answered with an error, so two servers cannot answer each other's errors forever", () => {
    const f = makeCore();
    expect(f.from(5000, "IS2>NOBODY ERROR: No Route to Destination Host X - host is unknown/unlisted\r")).toEqual([]);
    expect(f.from(5000, "IS2>NOBODY DONE: x\r")).toEqual([]);
    expect(texts(f.from(5000, "IS2>NOBODY hello\r"))).toEqual(["IS>IS2 ERROR: No Route to Destination Host NOBODY - host is unknown/unlisted\r"]);
  });
});

describe("a host table that heals", () => {
  function fullTable() {
    const f = makeCore();
    for (let i = 0; i < MAX_HOSTS; i++) f.from(3000 + i, `C${i}>IS PING\r`);
    return f;
  }

  test("a newcomer to a full table takes the slot of a client known unreachable, and the log says who and why", () => {
    const f = fullTable();
    f.advance(10_000);
    f.core.unreachable(f.udp(3005), "port unreachable", "IS>C5 PING\r");
    f.advance(2000);
    expect(texts(f.from(4000, "NEW>IS PING\r"))).toEqual(["IS>NEW PONG\r"]);
    expect(f.core.hosts.get("NEW")?.slot).toBe(5);
    expect(f.core.hosts.get("C5")).toBeUndefined();
    const line = "Host table full: evicted C5 (127.0.0.1:3005) from slot 5 for NEW (127.0.0.1:4000): unreachable for 2.0 s (port unreachable)";
    expect(f.logged).toContain(line);
    expect(f.notices).toContain(line);
    expect(stat(texts(f.from(4000, "NEW>IS STATS\r"))[0], "hostsEvicted")).toBe(1);
  });

  test("with nobody known dead the newcomer is refused as before, and the silent are PINGed; two unanswered PINGs make a client dead", () => {
    const f = fullTable();
    f.from(3001, "C1>IS PING\r"); // C1 keeps talking
    f.advance(10_000);
    f.from(3001, "C1>IS\r");
    const first = f.from(4000, "NEW>IS PING\r");
    expect(texts(first)).toContain("IS>NEW ERROR: Server Host Table Full, Cannot Service Request\r");
    // Everyone silent for a second or more was PINGed (not C1, just heard).
    expect(first.filter((s) => s.text.endsWith(" PING\r"))).toHaveLength(MAX_HOSTS - 1);
    // Another refused newcomer at once PINGs nobody again.
    expect(f.from(4001, "NEW2>IS PING\r").filter((s) => s.text.endsWith(" PING\r"))).toEqual([]);
    f.advance(5000);
    f.from(3002, "C2>IS PONG\r"); // C2 answers
    f.from(4000, "NEW>IS PING\r"); // second probe: the rest have two unanswered now
    f.advance(5000);
    f.from(3001, "C1>IS\r");
    expect(texts(f.from(4000, "NEW>IS PING\r"))).toEqual(["IS>NEW PONG\r"]);
    // The silent one longest unheard went: C0 (C1 and C2 spoke).
    expect(f.core.hosts.get("NEW")?.slot).toBe(0);
    expect(f.logged.some((l) => /^Host table full: evicted C0 .* no answer to 2 PINGs, silent for 20\.0 s$/.test(l))).toBe(true);
  });

  test("a live client is never evicted: with everyone answering, the table stays full", () => {
    const f = fullTable();
    for (let round = 0; round < 3; round++) {
      f.advance(6000);
      f.from(4000, "NEW>IS PING\r");
      for (let i = 0; i < MAX_HOSTS; i++) f.from(3000 + i, `C${i}>IS PONG\r`);
    }
    expect(texts(f.from(4000, "NEW>IS PING\r"))).toContain("IS>NEW ERROR: Server Host Table Full, Cannot Service Request\r");
    expect(f.core.hosts.size).toBe(MAX_HOSTS);
  });

  test("a monitor's made-up name goes when the server refuses it, and when its subscription lapses", () => {
    const f = makeCore();
    for (let i = 0; i < 4; i++) expect(texts(f.from(5000 + i, `MON${i}>IS MONITOR ON\r`))[0]).toMatch(/DONE: MONITOR ON/);
    expect(texts(f.from(5010, "MON9>IS MONITOR ON\r"))).toEqual(["IS>MON9 ERROR: MONITOR ON too many monitors, try again later\r"]);
    expect(f.core.hosts.get("MON9")).toBeUndefined();
    expect(f.logged).toContain("Removed MON9 (127.0.0.1:5010) from the host table: refused as a monitor (MONITOR ON too many monitors, try again later)");
    // A known client that is refused keeps its entry.
    f.from(6000, "A1>IS PING\r");
    f.from(6000, "A1>IS MONITOR ON\r");
    expect(f.core.hosts.get("A1")).toBeDefined();
    // MON0 renews, MON1 talks after its last renewal; MON2 and MON3 go quiet.
    f.advance(10_000);
    f.from(5000, "MON0>IS MONITOR ON\r");
    f.from(5001, "MON1>IS STATS\r");
    f.advance(6000);
    f.core.observer.tick();
    expect(["MON0", "MON1", "MON2", "MON3"].filter((n) => f.core.hosts.get(n))).toEqual(["MON0", "MON1"]);
    expect(f.logged).toContain("Removed MON2 (127.0.0.1:5002) from the host table: its monitor subscription lapsed");
  });

  test("what is saved across a restart leaves out the known dead and the monitors", () => {
    const f = makeCore();
    f.from(1000, "A1>IS PING\r");
    f.from(2000, "B1>IS PING\r");
    f.from(3000, "MON1>IS MONITOR ON\r");
    f.core.unreachable(f.udp(2000), "port unreachable", "");
    expect(f.core.savableEntries().map((e) => e.name)).toEqual(["A1"]);
  });
});
