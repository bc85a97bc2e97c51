// Issue 14, point 3: the host table (32 slots, as the field's clients assume)
// fills with the dead: one-shot isisCmd runs, monitors refused, entries
// restored from the state file that never speak again. A newcomer must get
// the slot of one provably dead, never of a live one, the log must say who
// went and why, and a restart must not bring the dead back.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeUdpPort } from "../helpers/proc.ts";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
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

/** `count` clients that register (as isisCmd does) and go away; their sockets are all open at once, so no two share a port. */
async function oneShots(s: RunningServer, count: number, prefix = "ONE"): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: count }, () => UdpClient.open()));
  for (const [i, c] of sockets.entries()) expect(await c.request(`${prefix}${i}>IS PING\r`, s.port)).toBe(`IS>${prefix}${i} PONG\r`);
  for (const c of sockets) c.close();
  return sockets.map((c) => c.port);
}

/** Send `text` about every 100 ms, as a client that retries, until a reply matches `accepted`; returns every reply seen. */
async function retryUntil(c: UdpClient, text: string, port: number, accepted: RegExp, timeoutMs = 5000): Promise<string[]> {
  const replies: string[] = [];
  await waitUntil(
    `a reply matching ${accepted}`,
    async () => {
      c.send(text, port);
      const reply = await c.next(100).catch(() => undefined);
      if (reply !== undefined) replies.push(reply);
      return reply !== undefined && accepted.test(reply);
    },
    { timeoutMs, pollMs: 100, seen: () => `replies: ${replies.join(" | ")}` },
  );
  return replies;
}

describe("a full host table", () => {
  test("of one-shot clients gives a newcomer the slot of a dead one within moments, and the journal says who and why", async () => {
    const s = await server();
    await oneShots(s, 32);
    const newcomer = await client();
    const replies = await retryUntil(newcomer, "NEW>IS PING\r", s.port, /PONG/);
    // Refused while nobody was known dead, then in: the silent were PINGed, and their closed ports answered.
    expect(replies[0]).toBe("IS>NEW ERROR: Server Host Table Full, Cannot Service Request\r");
    expect(replies.at(-1)).toBe("IS>NEW PONG\r");
    const evicted = await s.waitFor(
      /Host table full: evicted (ONE\d+) \(127\.0\.0\.1:\d+\) from slot (\d+) for NEW \(127\.0\.0\.1:\d+\): unreachable for [\d.]+ s \(port unreachable\)/,
    );
    const hosts = await newcomer.request("NEW>IS HOSTS\r", s.port);
    expect(hosts).toContain(` host${evicted[2]}=NEW `);
    expect(hosts).not.toContain(`=${evicted[1]} `);
    expect(hosts).toStartWith("IS>NEW DONE: HOST numHosts=32 maxHosts=32 ");
    expect(await newcomer.request("NEW>IS STATS\r", s.port)).toContain(" hostsEvicted=1 ");
  });

  test("of live clients stays full: nobody who answers is evicted", async () => {
    const s = await server();
    const live: UdpClient[] = [];
    for (let i = 0; i < 32; i++) {
      const c = await client();
      expect(await c.request(`L${i}>IS PING\r`, s.port)).toBe(`IS>L${i} PONG\r`);
      live.push(c);
    }
    // Each live client answers the PINGs a full table sends, until the test is over.
    let answering = true;
    const answerers = live.map(async (c, i) => {
      while (answering) {
        const text = await c.next(50).catch(() => undefined);
        if (text === `IS>L${i} PING\r`) c.send(`L${i}>IS PONG\r`, s.port);
      }
    });
    const newcomer = await client();
    await expect(retryUntil(newcomer, "NEW>IS PING\r", s.port, /PONG/, 1500)).rejects.toThrow(/replies: .*Host Table Full/);
    answering = false;
    await Promise.all(answerers);
    expect(s.lines.join("\n")).not.toContain("evicted");
  });
});

describe("across a restart", () => {
  test("a state file full of the dead does not lock newcomers out, and the dead are not saved again", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "state"));
    const state = join(dir, "state", "hosts.json");
    // An older server saved 31 clients that have since gone, and one that is alive.
    const gone = await Promise.all(Array.from({ length: 31 }, () => UdpClient.open()));
    const alive = await client();
    const ports = gone.map((g) => g.port);
    for (const g of gone) g.close();
    const hosts = [
      ...ports.map((port, i) => ({ name: `OLD${i}`, slot: i, lastHeard: 0, udp: { address: "127.0.0.1", port } })),
      { name: "ALIVE", slot: 31, lastHeard: 0, udp: { address: "127.0.0.1", port: alive.port } },
    ];
    writeFileSync(state, JSON.stringify({ format: "isis-hosts", version: 1, serverId: "IS", saved: "", hosts }));

    // The server's port is none of the dead's (the kernel may hand a port just freed to a server binding port 0,
    // and a client saved at the server's own address is rightly not restored).
    let port = await freeUdpPort();
    while (ports.includes(port)) port = await freeUdpPort();
    const first = await server({ config: `ServerPort ${port}\nStateFile ${state}\n` });
    await first.waitFor(/restored 32 clients/);
    // Restored clients are PINGed at start: the dead answer at once with closed ports.
    expect(await alive.next()).toBe("IS>ALIVE PING\r");
    const newcomer = await client();
    expect((await retryUntil(newcomer, "NEW>IS PING\r", first.port, /PONG/, 3000)).at(-1)).toBe("IS>NEW PONG\r");
    // Restored and not heard from since, or unreachable, is said apart from the live.
    const listed = await newcomer.request("NEW>IS HOSTS\r", first.port);
    expect(listed).toMatch(/ restored=OLD\d+(,OLD\d+)*,ALIVE unreachable=OLD/);
    expect(await newcomer.request("NEW>IS HOST ALIVE\r", first.port)).toMatch(/ State31=RESTORED\r$/);
    expect(await alive.request("ALIVE>IS PING\r", first.port)).toBe("IS>ALIVE PONG\r");
    expect(await newcomer.request("NEW>IS HOST ALIVE\r", first.port)).toMatch(/ IdleTime31=\d+\.\d{3}\r$/);

    await first.stop();
    const saved = JSON.parse(readFileSync(state, "utf8")) as { hosts: Array<{ name: string }> };
    expect(saved.hosts.map((h) => h.name).sort()).toEqual(["ALIVE", "NEW"]);
    const second = await server({ config: `ServerPort ${port}\nStateFile ${state}\n` });
    await second.waitFor(/restored 2 clients/);
  });
});

describe("monitors", () => {
  test("a monitor the server refuses leaves no name behind in the host table", async () => {
    const s = await server();
    const watchers = await Promise.all(Array.from({ length: 5 }, () => client()));
    for (const [i, c] of watchers.slice(0, 4).entries()) expect(await c.request(`MON${i}>IS MONITOR ON\r`, s.port)).toMatch(/DONE: MONITOR ON/);
    const late = watchers[4] as UdpClient;
    expect(await late.request("MON4>IS MONITOR ON\r", s.port)).toBe("IS>MON4 ERROR: MONITOR ON too many monitors, try again later\r");
    const a = await client();
    const hosts = await a.request("A1>IS HOSTS\r", s.port);
    expect(hosts).toContain("numHosts=5 ");
    expect(hosts).not.toContain("MON4");
  });

  // Slow by nature: a subscription lapses 15 s after its last renewal.
  test("an isis monitor killed outright leaves its name only until its subscription lapses", async () => {
    const s = await server();
    const monitor = Bun.spawn([ISIS_BIN, "monitor", "--host", `127.0.0.1:${s.port}`, "--plain"], { stdout: "ignore", stderr: "ignore" });
    const name = `MON${monitor.pid}`;
    const a = await client();
    const listed = async () => (await a.request("A1>IS HOSTS\r", s.port)).includes(`=${name}`);
    const until = (want: boolean, ms: number) =>
      waitUntil(`${name} ${want ? "listed" : "gone"} in HOSTS`, async () => (await listed()) === want, { timeoutMs: ms, pollMs: 200 });
    await until(true, 5000);
    monitor.kill("SIGKILL");
    await monitor.exited;
    await until(false, 20_000);
  }, 30_000);
});
