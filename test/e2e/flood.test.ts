// One host floods the compiled server (a separate process on 127.0.0.2
// sending from 256 source ports as fast as it can, reading nothing) while
// clients on 127.0.0.1 go on using it. What is asserted
// here does not depend on the machine's speed: the overload is made certain
// (the server is stopped while the flood fills its socket's queue), the
// guard then limits the flooder and only it, counts and reports what it
// dropped, lets it go when it calms down, and the others are served before,
// during and after. How much gets through, and what the flood costs in log
// and memory, is measured by bench/flood.ts (npm run bench).
import { afterEach, expect, test } from "bun:test";
import type { Summary } from "../../src/forensics/summary.ts";
import { floodUntilLimited } from "../helpers/flood.ts";
import { kernelDrops } from "../helpers/proc.ts";
import { ISIS_BIN, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A routed round trip L1 -> L2 -> L1, tried until one gets through (while the flood is on, the kernel may drop any datagram). */
async function roundTrip(server: RunningServer, l1: UdpClient, l2: UdpClient, tag: string, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    l1.send(`L1>L2 RT ${tag}.${attempt}\r`, server.port);
    try {
      await l2.nextMatching(new RegExp(`^L1>L2 RT ${tag}\\.${attempt}\\r$`), 300);
      l2.send(`L2>L1 DONE: RT ${tag}.${attempt}\r`, server.port);
      await l1.nextMatching(new RegExp(`^L2>L1 DONE: RT ${tag}\\.${attempt}\\r$`), 300);
      return attempt;
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
  }
}

/** The KEY=VALUE words of a reply. */
const statsOf = (reply: string): Record<string, string> =>
  Object.fromEntries(
    reply
      .trim()
      .split(" ")
      .flatMap((w) => (w.includes("=") ? [w.split("=", 2) as [string, string]] : [])),
  );

// Both ways the server learns of the kernel's drops: from the datagrams it
// reads in batches (SO_RXQ_OVFL), and on Bun's API path from /proc/net/udp,
// read while datagrams arrive.
for (const batched of [true, false]) {
  test(`a flood from one host, from 256 source ports, is limited as one sender, counted and reported while others are served; let go when it stops (${batched ? "batched reads: the socket's drop count" : "Bun's API: /proc/net/udp read while datagrams arrive"})`, async () => {
    const server = await startServer({ env: batched ? {} : { ISIS_BATCHED_UDP: "off" } });
    cleanups.push(() => server.stop());
    const [l1, l2] = await Promise.all([UdpClient.open(), UdpClient.open()]);
    cleanups.push(
      () => l1.close(),
      () => l2.close(),
    );
    expect(await l1.request("L1>IS PING\r", server.port)).toBe("IS>L1 PONG\r");
    expect(await l2.request("L2>IS PING\r", server.port)).toBe("IS>L2 PONG\r");
    expect(await roundTrip(server, l1, l2, "before")).toBe(1);

    // 127.0.0.2 is a host of its own; its 256 sockets share one budget, so it is limited as one sender.
    const flood = await floodUntilLimited(server, { text: "FL>NOBODY junk", from: "127.0.0.2", sockets: 256 });
    cleanups.push(() => flood.stop());
    await roundTrip(server, l1, l2, "during");

    const sent = await flood.stop();
    // Released once its bucket is full again (2 s under its rate), with the count of what was dropped.
    const calmed = await server.waitFor(/flood: 127\.0\.0\.2 calmed down; (\d+) datagrams from it were dropped/, 10_000);
    const dropped = Number(calmed[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(sent);
    expect(server.lines.filter((l) => l.includes("flood:"))).toHaveLength(2);

    // What the guard dropped was never parsed or logged: of the flooder's datagrams, only those let through reach the log.
    expect(await roundTrip(server, l1, l2, "after")).toBe(1);
    const log = await waitUntil("the last round trip in the runtime log", () => {
      const text = textOf(`${server.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`);
      return text.includes("L2>L1 DONE: RT after.1") && text;
    });
    const logged = log.split("\n").filter((line) => line.includes("FL>NOBODY junk")).length;
    expect(logged).toBeLessThanOrEqual(sent - dropped);
    expect(log).toContain(`flood: 127.0.0.2 calmed down; ${dropped} datagrams from it were dropped`);

    // Never a silent loss: STATS counts what never reached the core, the flood guard's drops (flooded) and the
    // kernel's in front of the socket (kernelDropped), and the log says both (the overload is said once it is over).
    const said = () => server.lines.reduce((sum, l) => sum + Number(/overload: the kernel dropped (\d+) datagrams/.exec(l)?.[1] ?? 0), 0);
    const stats = await waitUntil(
      "every overload said: STATS kernelDropped equal to the overload lines' sum",
      async () => {
        const s = statsOf(await l1.request("L1>IS STATS\r", server.port));
        return Number(s.kernelDropped) > 0 && Number(s.kernelDropped) === said() && s;
      },
      { timeoutMs: 15_000, seen: () => `lines:\n${server.lines.join("\n")}` },
    );
    expect(Number(stats.flooded)).toBe(dropped);
    expect(Number(stats.kernelDropped)).toBeLessThanOrEqual(kernelDrops(server.port));
    // And isis log summary, replaying the runtime log, counts the same.
    expect(await server.stop()).toBe(0);
    const summary = Bun.spawnSync([ISIS_BIN, "log", "summary", "--json", "-f", server.configPath], { stdout: "pipe", stderr: "pipe" });
    expect(summary.stderr.toString()).toBe("");
    const counters = (JSON.parse(summary.stdout.toString()) as Summary).runs.at(-1)?.counters;
    expect({ flooded: counters?.flooded, kernelDropped: counters?.kernelDropped }).toEqual({ flooded: dropped, kernelDropped: Number(stats.kernelDropped) });
  }, 45_000);
}

test("drops after the last datagram read are counted: STATS asks the socket, and the stop line says them", async () => {
  const server = await startServer();
  cleanups.push(() => server.stop());
  const c = await UdpClient.open();
  cleanups.push(() => c.close());
  // The server is stopped while one burst overflows its socket; nothing is sent after it, so no datagram
  // read later carries the count (SO_RXQ_OVFL rides on the next one queued).
  server.proc.kill("SIGSTOP");
  for (let i = 0; i < 5000 && kernelDrops(server.port) === 0; i++) c.send(`FL>IS ${"x".repeat(900)}\r`, server.port);
  server.proc.kill("SIGCONT");
  const dropped = kernelDrops(server.port);
  expect(dropped).toBeGreaterThan(0);
  // One request, read by Bun's path like any first datagram of a burst: it must say them all the same.
  const stats = await waitUntil("STATS after the burst is read", async () => {
    const reply = await c.request("C1>IS STATS\r", server.port, 10_000);
    return reply.startsWith("IS>C1 DONE: STATS") && statsOf(reply);
  });
  expect(Number(stats.kernelDropped)).toBe(dropped);
  expect(await server.stop()).toBe(0);
  expect(server.lines.some((l) => l.includes(`overload: the kernel dropped ${dropped} datagrams`))).toBe(true);
});
