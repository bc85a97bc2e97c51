// Issue 14, point 1: clients that registered and then went away (one-shot
// isisCmd runs, agents restarted on a new port) stand in the host table
// before live ones. Each datagram to one of them comes back as an ICMP port
// unreachable, which Linux reports to the socket's next send: that send is
// then not made. Whatever stands in the table, every live client must get
// its copy and every asker its reply, on both UDP I/O paths.
import { afterEach, describe, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const open: Array<{ close(): void }> = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) thing.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function client(): Promise<UdpClient> {
  const c = await UdpClient.open();
  open.push(c);
  return c;
}

/** Wait until `c` has received a datagram matching each pattern, in any order, skipping others; returns them in pattern order. */
async function receives(c: UdpClient, patterns: readonly RegExp[], timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const found: Array<string | undefined> = patterns.map(() => undefined);
  while (found.includes(undefined)) {
    const text = await c.next(Math.max(1, deadline - Date.now()));
    const i = patterns.findIndex((re, k) => found[k] === undefined && re.test(text));
    if (i !== -1) found[i] = text;
  }
  return found as string[];
}

/**
 * A server whose table holds `dead` one-shot clients (registered, then their
 * sockets closed) in its first slots and `live` clients after them.
 */
async function tableWithDeadFirst(env: Record<string, string>, dead: number, live: number) {
  const server = await startServer({ env });
  servers.push(server);
  // Every socket is opened before any is closed, so no live client can be given a dead one's port.
  const gone = await Promise.all(Array.from({ length: dead }, () => UdpClient.open()));
  const alive = await Promise.all(Array.from({ length: live }, () => client()));
  const gonePorts = gone.map((c) => c.port);
  for (const [i, c] of gone.entries()) {
    expect(await c.request(`ONE${i}>IS PING\r`, server.port)).toBe(`IS>ONE${i} PONG\r`);
    c.close();
  }
  for (const [i, c] of alive.entries()) expect(await c.request(`LIVE${i}>IS PING\r`, server.port)).toBe(`IS>LIVE${i} PONG\r`);
  return { server, alive, gonePorts };
}

for (const [path, env] of [
  ["batched UDP I/O", {}],
  ["Bun's UDP API alone", { ISIS_BATCHED_UDP: "off" }],
] as const) {
  describe(`dead clients before live ones (${path})`, () => {
    test("a broadcast, LIVENESS PING and RESTART from a client reach every live client, and each asker gets its reply", async () => {
      const { server, alive } = await tableWithDeadFirst(env, 6, 4);
      const [first, second] = alive as [UdpClient, UdpClient];

      first.send("LIVE0>AL hello everyone\r", server.port);
      for (const c of alive.slice(1)) expect(await receives(c, [/^LIVE0>AL /])).toEqual(["LIVE0>AL hello everyone\r"]);

      first.send("LIVE0>IS LIVENESS PING\r", server.port);
      expect(await receives(first, [/DONE: LIVENESS/, / PING\r$/])).toEqual(["IS>LIVE0 DONE: LIVENESS PING numPinged=10\r", "IS>LIVE0 PING\r"]);
      for (const [i, c] of alive.entries()) if (i > 0) expect(await receives(c, [/ PING\r$/])).toEqual([`IS>LIVE${i} PING\r`]);

      second.send("LIVE1>IS RESTART\r", server.port);
      const [done] = await receives(second, [/RESTART/, / PING\r$/]);
      expect(done).toMatch(/^IS>LIVE1 DONE: RESTART .* Server restarted, host table kept\r$/);
      for (const [i, c] of alive.entries()) if (i !== 1) expect(await receives(c, [/ PING\r$/])).toEqual([`IS>LIVE${i} PING\r`]);
    });

    test("a request routed to a client that has gone gets its sender an ERROR at once; the loss is counted, logged and shown", async () => {
      const { server, alive, gonePorts } = await tableWithDeadFirst(env, 1, 1);
      const asker = alive[0] as UdpClient;
      const where = `127.0.0.1:${gonePorts[0]}`;
      expect(await asker.request("LIVE0>ONE0 FILTER 2\r", server.port)).toBe(
        `IS>LIVE0 ERROR: Cannot route to ONE0 - ${where} is unreachable (port unreachable)\r`,
      );
      expect(await asker.request("LIVE0>IS HOST ONE0\r", server.port)).toMatch(/ State0=UNREACHABLE Since0=\d+\.\d{3} Why0=port_unreachable Undelivered0=1\r$/);
      const stats = await asker.request("LIVE0>IS STATS\r", server.port);
      expect(stats).toContain(" dropped=1 notSent=0 unreachable=1 ");
      await server.stop();
      const log = await Bun.file(`${server.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`).text();
      expect(log).toContain(`Client ONE0 (${where}) is unreachable: port unreachable`);
      expect(log).toContain(`Not delivered to ${where} (ONE0): port unreachable: 'LIVE0>ONE0 FILTER 2\\x0d'`);
    });
  });
}
