// Issue 14, point 2: loops through the server itself, end to end. Each of
// these, left alone, has the server route its own output again (at ~120,000
// messages/s through its own socket, or at line rate through an echoing
// serial device) or take a client for itself. Every one is cut at its first
// turn: counted (STATS loops=), logged, and the host table left alone.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeUdpPort, freeUdpPortPair } from "../helpers/proc.ts";
import { openPty, type Pty } from "../helpers/pty.ts";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

const open: Array<{ close(): void }> = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const thing of open.splice(0)) thing.close();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

async function client(): Promise<UdpClient> {
  const c = await UdpClient.open();
  open.push(c);
  return c;
}

/** The value of `key=` in a STATS reply. */
const stat = (reply: string, key: string): number => Number(new RegExp(` ${key}=(\\d+)`).exec(reply)?.[1]);

async function stats(c: UdpClient, name: string, s: RunningServer): Promise<string> {
  return c.request(`${name}>IS STATS\r`, s.port);
}

/** Ask STATS until `key` reaches `value` (the server has seen what it waits for); returns the reply and how many were asked. */
async function statsUntil(c: UdpClient, name: string, s: RunningServer, key: string, value: number, timeoutMs = 3000) {
  let asked = 0;
  const reply = await waitUntil(
    `STATS ${key} to reach ${value}`,
    async () => {
      asked++;
      const reply = await stats(c, name, s);
      return stat(reply, key) >= value && reply;
    },
    { timeoutMs },
  );
  return { reply, asked };
}

describe("the server's own socket", () => {
  test("UDPPING aimed at the server itself is refused, and a broadcast after it goes round once, not forever", async () => {
    const s = await server();
    const a = await client();
    const b = await client();
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
    expect(await b.request("B1>IS PING\r", s.port)).toBe("IS>B1 PONG\r");
    for (const address of ["127.0.0.1", "0.0.0.0", "127.9.8.7"]) {
      expect(await a.request(`A1>IS UDPPING ${address} ${s.port}\r`, s.port)).toBe(
        `IS>A1 ERROR: UDPPING ${address}:${s.port} is this server's own address, not PINGed\r`,
      );
    }
    a.send("A1>AL STATUS: hello\r", s.port);
    expect(await b.next()).toBe("A1>AL STATUS: hello\r");
    // Nothing circles: the server received exactly what the clients sent (2 PINGs, 3 UDPPINGs, the broadcast, this STATS).
    const reply = await stats(b, "B1", s);
    expect(stat(reply, "received")).toBe(7);
    expect(await b.request("B1>IS HOSTS\r", s.port)).toBe("IS>B1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
    // Nothing more for A1: the PONG to this PING comes after anything sent to it before.
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
  });

  test("a UDPPort naming the server's own address and port is warned about and never PINGed", async () => {
    const port = await freeUdpPort();
    const s = await server({ config: `ServerPort ${port}\nUDPPort 127.0.0.1 ${port}\n` });
    await s.waitFor(new RegExp(`UDPPort 127\\.0\\.0\\.1 ${port} is this server's own address and port: it is never PINGed`));
    const a = await client();
    a.send("A1>IS RESTART\r", s.port);
    expect(await a.nextMatching(/RESTART/, 3000)).toMatch(/DONE: RESTART/);
    const reply = await stats(a, "A1", s);
    expect([stat(reply, "received"), stat(reply, "loops")]).toEqual([2, 0]);
    expect(await a.request("A1>IS HOSTS\r", s.port)).toBe("IS>A1 DONE: HOST numHosts=1 maxHosts=32 host0=A1\r");
  });

  test("a state file that routes clients to the server's own socket, or names the server or AL, brings none of them back", async () => {
    const dir = makeTempDir();
    const port = await freeUdpPort();
    const state = join(dir, "state", "hosts.json");
    mkdirSync(join(dir, "state"));
    const live = await client();
    const saved = (name: string, slot: number, address: string, p: number) => ({ name, slot, lastHeard: 0, udp: { address, port: p } });
    const hosts = [
      saved("GHOST", 0, "127.0.0.1", port),
      saved("IS", 1, "127.0.0.5", 7000),
      saved("AL", 2, "127.0.0.5", 7001),
      saved("LIVE", 3, "127.0.0.1", live.port),
    ];
    writeFileSync(state, JSON.stringify({ format: "isis-hosts", version: 1, serverId: "IS", saved: "", hosts }));
    const s = await server({ config: `ServerPort ${port}\nStateFile ${state}\n` });
    await s.waitFor(/restored 1 clients from .*; skipped GHOST IS AL/);
    expect(await live.next()).toBe("IS>LIVE PING\r");
    expect(await live.request("LIVE>IS HOSTS\r", s.port)).toBe("IS>LIVE DONE: HOST numHosts=1 maxHosts=32 host3=LIVE\r");
    expect(stat(await stats(live, "LIVE", s), "loops")).toBe(0);
  });
});

describe("messages in the server's name", () => {
  test("an echo service reflecting IS>AL PING is neither registered nor answered", async () => {
    const s = await server();
    const a = await client();
    const echo = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(socket, data, port, address) {
          socket.send(data, port, address);
        },
        error() {},
      },
    });
    open.push(echo);
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
    expect(await a.request(`A1>IS UDPPING 127.0.0.1 ${echo.port}\r`, s.port)).toBe(`IS>A1 DONE: UDPPING Sent PING to 127.0.0.1:${echo.port}\r`);
    const { reply, asked } = await statsUntil(a, "A1", s, "loops", 1);
    expect(stat(reply, "loops")).toBe(1);
    // The PING came back once and stopped there: no PONG to it, no client called IS.
    expect(stat(reply, "received")).toBe(2 + asked + 1);
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
    expect(stat(await stats(a, "A1", s), "loops")).toBe(1);
    expect(await a.request("A1>IS HOSTS\r", s.port)).toBe("IS>A1 DONE: HOST numHosts=1 maxHosts=32 host0=A1\r");
  });

  test("two servers PINGing each other take neither for a client", async () => {
    const one = await server();
    const two = await server();
    const a = await client();
    expect(await a.request(`A1>IS UDPPING 127.0.0.1 ${two.port}\r`, one.port)).toMatch(/DONE: UDPPING/);
    expect(await a.request(`A1>IS UDPPING 127.0.0.1 ${one.port}\r`, two.port)).toMatch(/DONE: UDPPING/);
    expect(stat((await statsUntil(a, "A1", one, "loops", 1)).reply, "loops")).toBe(1);
    expect(stat((await statsUntil(a, "A1", two, "loops", 1)).reply, "loops")).toBe(1);
    expect(await a.request("A1>IS HOSTS\r", one.port)).toBe("IS>A1 DONE: HOST numHosts=1 maxHosts=32 host0=A1\r");
    expect(await a.request("A1>IS HOSTS\r", two.port)).toBe("IS>A1 DONE: HOST numHosts=1 maxHosts=32 host0=A1\r");
  });
});

describe("an echoing serial device", () => {
  let tty: Pty;
  afterEach(() => {
    if (tty && !tty.closed) tty.close();
  });

  /** Play a device with local echo on for `ms`: every line it is sent comes straight back. Returns the lines it was sent. */
  async function echoFor(ms: number): Promise<string[]> {
    const seen: string[] = [];
    const until = Date.now() + ms;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return seen;
      const line = await tty.next(left).catch(() => undefined);
      if (line === undefined) return seen;
      seen.push(line);
      tty.write(`${line}\r`);
    }
  }

  test("a routed message and a broadcast echoed back by the device go round once; senders keep their routes", async () => {
    const dir = makeTempDir("isis-echo-");
    tty = openPty();
    symlinkSync(tty.slavePath, join(dir, "ttyE"));
    const s = await server({ config: `TTYPort ${join(dir, "ttyE")}\n` });
    expect(await tty.next()).toBe("IS>AL PING");
    tty.write("M1.IE>IS PING\r");
    expect(await tty.next()).toBe("IS>M1.IE PONG");
    const a = await client();
    const b = await client();
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
    expect(await b.request("B1>IS PING\r", s.port)).toBe("IS>B1 PONG\r");

    a.send("A1>M1.IE FILTER 2\r", s.port);
    a.send("A1>AL STATUS: hello\r", s.port);
    const seen = await echoFor(400);
    expect(seen).toEqual(["A1>M1.IE FILTER 2", "A1>AL STATUS: hello"]);
    expect(await b.next()).toBe("A1>AL STATUS: hello\r");
    expect(await b.request("B1>IS PING\r", s.port)).toBe("IS>B1 PONG\r");
    expect(await a.request("A1>IS HOST A1\r", s.port)).toMatch(/^IS>A1 DONE: HOST Host\d=A1 Method\d=UDP /);
    const reply = await stats(a, "A1", s);
    expect(stat(reply, "loops")).toBe(2);
    // The tty still carries messages both ways.
    tty.write("M1.IE>A1 DONE: FILTER 2\r");
    expect(await a.next()).toBe("M1.IE>A1 DONE: FILTER 2\r");
  });
});

describe("a routed message that comes back from where it went", () => {
  test("an echo service registered as a client reflects a routed message and a broadcast once each; the sender keeps its route", async () => {
    const s = await server();
    const a = await client();
    const reflected: string[] = [];
    const echo = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(socket, data, port, address) {
          reflected.push(data.toString("latin1"));
          socket.send(data, port, address);
        },
        error() {},
      },
    });
    open.push(echo);
    echo.send("XE>IS\r", s.port, "127.0.0.1");
    expect(await a.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
    a.send("A1>XE FILTER 2\r", s.port);
    a.send("A1>AL STATUS: hello\r", s.port);
    const { reply } = await statsUntil(a, "A1", s, "loops", 2);
    // Each went round once: routed once, broadcast once, reflected twice and cut there.
    expect([stat(reply, "loops"), stat(reply, "routed"), stat(reply, "broadcast")]).toEqual([2, 1, 1]);
    expect(reflected).toEqual(["A1>XE FILTER 2\r", "A1>AL STATUS: hello\r"]);
    expect(await a.request("A1>IS HOST A1\r", s.port)).toMatch(new RegExp(` udpPort\\d+=${a.port} `));
    await s.waitFor(/Cut a loop: dropped a message that came back from 127\.0\.0\.1:\d+, where it was routed: 'A1>XE FILTER 2/);
  });

  test("two servers each routing a name to the other cut the ring after one turn; the sender keeps its route", async () => {
    const dir = makeTempDir();
    const [portOne, portTwo] = await freeUdpPortPair();
    // Each server's state file has FAR at the other server's address (as a relay left it).
    const serverAt = (id: string, port: number, other: number) => {
      const state = join(dir, `${id}.json`);
      const far = { name: "FAR", slot: 0, lastHeard: 0, udp: { address: "127.0.0.1", port: other } };
      writeFileSync(state, JSON.stringify({ format: "isis-hosts", version: 1, serverId: id, saved: "", hosts: [far] }));
      return server({ configText: `ServerID ${id}\nServerPort ${port}\nServerLog {dir}/logs/isis\nLogDate UTC\nStateFile ${state}\n` });
    };
    const one = await serverAt("IS1", portOne, portTwo);
    const two = await serverAt("IS2", portTwo, portOne);
    const a = await client();
    const statsOf = async (s: RunningServer, id: string) => a.request(`A1>${id} STATS\r`, s.port);
    // The cold starts' PINGs to FAR went to the other server and back in the first one's name: cut there.
    // The second server's cold-start PING to FAR went to the first, which routed it back in the second's name: cut there.
    // (The first one's PING found no server yet: unreachable.)
    await waitUntil("the second server's PING cut", async () => stat(await statsOf(two, "IS2"), "loops") === 1);
    const before = [stat(await statsOf(one, "IS1"), "routed"), stat(await statsOf(two, "IS2"), "routed")];
    expect(stat(await statsOf(one, "IS1"), "loops")).toBe(0);
    a.send("A1>FAR FILTER 2\r", portOne);
    await waitUntil("the ring cut at the first server", async () => stat(await statsOf(one, "IS1"), "loops") === 1);
    // Once round: each server routed it once, and the second did not see it again.
    expect(stat(await statsOf(one, "IS1"), "routed")).toBe((before[0] as number) + 1);
    expect(stat(await statsOf(two, "IS2"), "routed")).toBe((before[1] as number) + 1);
    expect(stat(await statsOf(two, "IS2"), "loops")).toBe(1);
    expect(await a.request("A1>IS1 HOST A1\r", portOne)).toMatch(new RegExp(` udpPort\\d+=${a.port} `));
  });
});
