// LIVENESS, INFLIGHT, STATS and AnnounceStale on the compiled server, over
// real UDP sockets on 127.0.0.1 (build first: `npx bun script/build.ts`).
// StaleAfter and CommandTimeout are set to fractions of a second; tests poll
// the reports until the expected change shows rather than sleeping a guess.
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ISIS_BIN, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

const servers: RunningServer[] = [];
const sockets: UdpClient[] = [];
afterAll(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) await s.stop();
});

async function server(config = ""): Promise<RunningServer> {
  const s = await startServer({ config });
  servers.push(s);
  return s;
}

/** A client registered as `name` (its PONG consumed). */
async function client(name: string, s: RunningServer): Promise<UdpClient> {
  const c = await UdpClient.open();
  sockets.push(c);
  expect(await c.request(`${name}>IS PING\r`, s.port)).toBe(`IS>${name} PONG\r`);
  return c;
}

/** Ask the server as `name`; the reply body without header and terminator. */
async function ask(c: UdpClient, name: string, s: RunningServer, body: string): Promise<string> {
  const reply = await c.request(`${name}>IS ${body}\r`, s.port);
  expect(reply.startsWith(`IS>${name} `)).toBe(true);
  return reply.slice(`IS>${name} `.length, -1);
}

/** keyword=value pairs of a reply. */
function fields(reply: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of reply.matchAll(/(\S+?)=('[^']*'|\S+)/g)) out[m[1] as string] = (m[2] as string).replace(/^'|'$/g, "");
  return out;
}

/** Ask again every 50 ms until `test` accepts the reply; fails with the last one after timeoutMs. */
async function askUntil(c: UdpClient, name: string, s: RunningServer, body: string, test: (reply: string) => boolean, timeoutMs = 5000) {
  let reply = "";
  const accepted = async () => {
    reply = await ask(c, name, s, body);
    return test(reply) && reply;
  };
  return waitUntil(`${body} to show what was expected`, accepted, { timeoutMs, pollMs: 50, seen: () => `last reply: ${reply}` });
}

/** Datagrams until one matches (others, e.g. broadcasts about someone else, are skipped). */
function receiveMatching(c: UdpClient, re: RegExp, timeoutMs = 5000): Promise<string> {
  return c.nextMatching(re, timeoutMs);
}

/** Everything in the runtime log so far ("" before the writer has created it). */
function logText(s: RunningServer): string {
  const dir = join(s.dir, "logs");
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".log"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("");
  } catch {
    return "";
  }
}

describe("LIVENESS", () => {
  test("changes as clients speak and fall silent: idle time, counts, stale flag, PING round trip", async () => {
    const s = await server("StaleAfter 0.5");
    const a = await client("A1", s);
    const b = await client("B1", s);
    const first = fields(await ask(a, "A1", s, "LIVENESS"));
    expect(first).toMatchObject({ numClients: "2", numStale: "0", staleAfter: "0.5" });
    expect(first.c1).toMatch(new RegExp(`^B1,udp:127\\.0\\.0\\.1:${b.port},idle:0\\.\\d{3},in:1,out:1,rtt:-,ok$`));

    // A1 keeps asking, B1 says nothing: B1 goes stale, A1 does not.
    const stale = fields(await askUntil(a, "A1", s, "LIVENESS", (r) => fields(r).c1?.endsWith(",stale") === true));
    expect(stale.numStale).toBe("1");
    expect(stale.c0).toEndWith(",ok");

    // B1 speaks (a heartbeat) and is back, its in count one higher.
    b.send("B1>IS\r", s.port);
    const back = fields(await askUntil(a, "A1", s, "LIVENESS", (r) => fields(r).c1?.endsWith(",ok") === true));
    expect(back.c1).toContain(",in:2,");

    // LIVENESS PING: B1 is PINGed, answers, and its round trip shows.
    a.send("A1>IS LIVENESS PING\r", s.port);
    expect(await receiveMatching(a, /DONE:/)).toBe("IS>A1 DONE: LIVENESS PING numPinged=2\r");
    expect(await b.next()).toBe("IS>B1 PING\r");
    b.send("B1>IS PONG\r", s.port);
    const trip = fields(await askUntil(a, "A1", s, "LIVENESS", (r) => !fields(r).c1?.includes("rtt:-")));
    expect(trip.c1).toMatch(/,rtt:\d+\.\d{3},ok$/);
  });
});

describe("INFLIGHT", () => {
  test("a routed command is in flight with its progress, leaves on DONE:, and the log records its latency", async () => {
    const s = await server();
    const a = await client("A1", s);
    const b = await client("B1", s);
    a.send("A1>B1 filter 2\r", s.port);
    expect(await b.next()).toBe("A1>B1 filter 2\r");
    const open = fields(await ask(a, "A1", s, "INFLIGHT"));
    expect(open.numOpen).toBe("1");
    expect(open.f0).toMatch(/^A1>B1,FILTER,age:\d+\.\d{3},ok,status:0$/);

    b.send("B1>A1 STATUS: filter Moving to 2\r", s.port);
    expect(await a.next()).toBe("B1>A1 STATUS: filter Moving to 2\r");
    const moving = fields(await ask(a, "A1", s, "INFLIGHT"));
    expect(moving.f0).toEndWith(",status:1");
    expect(moving.p0).toBe("Moving to 2");

    b.send("B1>A1 DONE: filter FILTPOS=2\r", s.port);
    expect(await a.next()).toBe("B1>A1 DONE: filter FILTPOS=2\r");
    expect(await ask(a, "A1", s, "INFLIGHT")).toBe("DONE: INFLIGHT numOpen=0 numLate=0 timeout=120 evicted=0");

    // The log writer batches for a few ms: wait for the line rather than guess.
    await waitUntil("the latency line in the log", () => / Command A1>B1 FILTER ended with DONE: after \d+\.\d{3} ms\n/.test(logText(s)), {
      seen: () => `log:\n${logText(s)}`,
    });
    expect(fields(await ask(a, "A1", s, "STATS")).cmd0).toMatch(/^FILTER,n:1,p50:\d+\.\d{3},p90:/);
  });

  test("a command with no answer past CommandTimeout is flagged late", async () => {
    const s = await server("CommandTimeout 0.3");
    const a = await client("A1", s);
    const b = await client("B1", s);
    a.send("A1>B1 EXEC: expose 600\r", s.port);
    expect(await b.next()).toBe("A1>B1 EXEC: expose 600\r");
    expect(fields(await ask(a, "A1", s, "INFLIGHT")).f0).toContain(",EXPOSE,");
    const late = fields(await askUntil(a, "A1", s, "INFLIGHT", (r) => fields(r).f0?.includes(",late,") === true));
    expect(late).toMatchObject({ numOpen: "1", numLate: "1", timeout: "0.3" });
  });
});

describe("STATS", () => {
  test("the counters match the traffic the test sent", async () => {
    const s = await server();
    const c = await client("C1", s); // received 1, replied 1 (PONG)
    const d = await UdpClient.open();
    sockets.push(d);
    d.send("D1>IS\r", s.port); // received 2: a heartbeat registers D1
    await askUntil(c, "C1", s, "HOSTS", (r) => r.includes("host1=D1")); // received 3, replied 2
    c.send("C1>D1 filter 1\r", s.port); // received 4, routed 1
    expect(await d.next()).toBe("C1>D1 filter 1\r");
    expect(await c.request("C1>NOBODY hi\r", s.port)).toStartWith("IS>C1 ERROR: No Route"); // received 5, unknown 1, replied 3
    c.send("no header\r", s.port); // received 6, malformed 1
    c.send(`C1>IS ${"x".repeat(3000)}\r`, s.port); // received 7, oversized 1
    c.send("C1>AL STATUS: hello all\r", s.port); // received 8, broadcast 1 (to D1 only)
    expect(await d.next()).toBe("C1>AL STATUS: hello all\r");
    const stats = fields(await ask(c, "C1", s, "STATS")); // received 9
    expect(stats).toMatchObject({
      received: "9",
      routed: "1",
      broadcast: "1",
      replied: "3",
      malformed: "1",
      oversized: "1",
      unknownDestination: "1",
      dropped: "0",
      udpIn: "9",
      udpOut: "5", // PONG, HOSTS reply, routed, ERROR, broadcast
      serialIn: "0",
      serialOut: "0",
      inFlight: "1",
      completed: "0",
    });
    expect(Number(stats.uptime)).toBeGreaterThan(0);
  });
});

describe("AnnounceStale", () => {
  test("every client is told when a node goes stale and when it comes back", async () => {
    const s = await server("StaleAfter 0.3\nAnnounceStale");
    const a = await client("A1", s);
    const b = await client("B1", s);
    expect(await receiveMatching(a, /State=STALE/)).toMatch(/^IS>AL STATUS: LIVENESS Host=(A1|B1) State=STALE IdleTime=\d+\.\d{3}\r$/);
    await receiveMatching(a, /Host=B1 State=STALE/);
    b.send("B1>IS\r", s.port);
    expect(await receiveMatching(a, /Host=B1 State=ALIVE/)).toBe("IS>AL STATUS: LIVENESS Host=B1 State=ALIVE\r");
  });
});

describe("from isis cmd", () => {
  test("LIVENESS, INFLIGHT, STATS and MONITOR answer DONE: (FROM=K written with = works too)", async () => {
    const s = await server();
    for (const command of ["liveness", "inflight", "stats", "monitor", "liveness from=0"]) {
      const p = Bun.spawnSync([ISIS_BIN, "cmd", "-t", "3", "--host", `127.0.0.1:${s.port}`, "is", ...command.split(" ")]);
      expect(p.exitCode).toBe(0);
      const word = (command.split(" ")[0] as string).toUpperCase();
      expect(p.stdout.toString()).toStartWith(`DONE: ${word} `);
    }
  });
});
