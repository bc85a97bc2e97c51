// MetricsFile on the compiled server: a valid Prometheus text file, replaced
// whole at its pace, whose numbers are STATS's. STATS is asked between two
// writes: the file written next holds the same counters, plus the STATS
// reply itself (replied and udpOut one more).
import { afterEach, expect, test } from "bun:test";
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPage } from "../../src/protocol/report-page.ts";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";
import { parsePrometheus, sampleValue } from "../server/_prometheus.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** Wait until the file's text differs from `than` (each write changes isis_uptime_seconds); returns the new text. */
function nextWrite(path: string, than: string): Promise<string> {
  return waitUntil(`${path} rewritten`, () => {
    const text = textOf(path);
    return text !== "" && text !== than && text;
  });
}

async function client(name: string, s: RunningServer): Promise<UdpClient> {
  const c = await UdpClient.open();
  cleanup.push(() => c.close());
  expect(await c.request(`${name}>IS PING\r`, s.port)).toBe(`IS>${name} PONG\r`);
  return c;
}

test("the file holds what STATS says at the same moment, counter for counter, and the latencies of its commands", async () => {
  const dir = makeTempDir("isis-metrics-");
  const path = join(dir, "textfile", "isis.prom");
  const s = await startServer({ config: `MetricsFile ${path} 0.2\nCommandTimeout 30\n` });
  cleanup.push(() => s.stop());
  const ie = await client("M1.IE", s);
  const ipc = await client("IPC1", s);
  ipc.send("IPC1>M1.IE FILTER 2\r", s.port);
  expect(await ie.next()).toBe("IPC1>M1.IE FILTER 2\r");
  ie.send("M1.IE>IPC1 DONE: FILTER FILTPOS=2\r", s.port);
  expect(await ipc.next()).toBe("M1.IE>IPC1 DONE: FILTER FILTPOS=2\r");
  ipc.send("IPC1>M1.IE EXPOSE 30\r", s.port); // stays in flight
  expect(await ie.next()).toBe("IPC1>M1.IE EXPOSE 30\r");
  ipc.send("garbage without a header\r", s.port);

  const stats = readPage((await ipc.request("IPC1>IS STATS\r", s.port)).replace(/^IS>IPC1 DONE: STATS /, "")).fields;
  const first = await nextWrite(path, "");
  const text = await nextWrite(path, first);
  const samples = parsePrometheus(text);

  const expected = Object.entries(stats).filter(([k]) => !/^(uptime|numCmds|cmd\d+)$/.test(k));
  expect(expected.length).toBeGreaterThan(25);
  for (const [name, value] of expected) {
    const metric = `isis_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    const got = sampleValue(samples, `${metric}_total`) ?? sampleValue(samples, metric);
    const reply = name === "replied" || name === "udpOut" ? 1 : 0;
    expect({ name, value: got }).toEqual({ name, value: Number(value) + reply });
  }
  expect(sampleValue(samples, "isis_in_flight")).toBe(1);
  expect(sampleValue(samples, "isis_completed_total")).toBe(1);
  expect(sampleValue(samples, "isis_malformed_total")).toBe(1);
  const [word, n, p50, , , max] = (stats.cmd0 ?? "").split(",");
  expect(word).toBe("FILTER");
  expect(sampleValue(samples, "isis_command_completed_total", { word: "FILTER" })).toBe(Number(n?.slice(2)));
  expect(sampleValue(samples, "isis_command_latency_seconds", { word: "FILTER", quantile: "0.5" })).toBeCloseTo(Number(p50?.slice(4)) / 1000, 6);
  expect(sampleValue(samples, "isis_command_latency_seconds", { word: "FILTER", quantile: "1" })).toBeCloseTo(Number(max?.slice(4)) / 1000, 6);
  expect(sampleValue(samples, "isis_clients", { server: "IS", port: String(s.port) })).toBe(2);
  // PING, FILTER, EXPOSE, STATS: the garbage had no name.
  expect(sampleValue(samples, "isis_client_received_total", { client: "IPC1" })).toBe(4);

  // Replaced whole: nothing beside it (no temporary file left), readable by the collector's user.
  expect(readdirSync(join(dir, "textfile"))).toEqual(["isis.prom"]);
  expect(statSync(path).mode & 0o777).toBe(0o644);
  // Stopped, the file says so, with the last counters.
  expect(await s.stop()).toBe(0);
  const last = parsePrometheus(textOf(path));
  expect(sampleValue(last, "isis_up")).toBe(0);
  expect(sampleValue(last, "isis_received_total")).toBe(Number(stats.received));
});

test("a MetricsFile that cannot be written is one error in the journal while routing goes on, and its recovery one notice", async () => {
  const dir = makeTempDir("isis-metrics-");
  const blocker = join(dir, "textfile");
  writeFileSync(blocker, "");
  const path = join(blocker, "isis.prom");
  const s = await startServer({ config: `MetricsFile ${path} 0.1\n` });
  cleanup.push(() => s.stop());
  await s.waitFor(/cannot write metrics file .*textfile\/isis\.prom: .*; routing continues/);
  const c = await client("A1", s);
  expect(await c.request("A1>IS PING\r", s.port)).toBe("IS>A1 PONG\r");
  rmSync(blocker);
  await s.waitFor(/metrics file .*textfile\/isis\.prom is writable again/);
  expect(sampleValue(parsePrometheus(await nextWrite(path, "")), "isis_up")).toBe(1);
  expect(s.lines.filter((l) => l.includes("cannot write metrics file"))).toHaveLength(1);
});
