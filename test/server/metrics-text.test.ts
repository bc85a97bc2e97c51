// The MetricsFile's text: valid Prometheus exposition, STATS's numbers.
import { expect, test } from "bun:test";
import { type MetricsFacts, metricsText } from "../../src/server/metrics-text.ts";
import { parsePrometheus, sampleValue } from "./_prometheus.ts";

const facts: MetricsFacts = {
  serverId: "IS",
  port: 6600,
  up: true,
  stats: {
    uptimeMs: 3_600_123.5,
    counters: { received: 51234, routed: 40100, flooded: 900, kernelDropped: 35, udpIn: 51234, inFlight: 2, late: 1, monitors: 0, logLost: 0, logDown: 0 },
    latency: [{ word: "FILTER", count: 120, p50: 35.201, p90: 80.1, p99: 150.003, max: 210.33 }],
  },
  clients: [
    { name: "M1.IE", idleSeconds: 1.234, messagesIn: 5, messagesOut: 7, stale: false },
    { name: "M1.RC", idleSeconds: 130.002, messagesIn: 9, messagesOut: 9, stale: true },
  ],
};

test("STATS's counters are counters with _total, its levels gauges, each with HELP and TYPE, labelled by server and port", () => {
  const text = metricsText(facts);
  const samples = parsePrometheus(text);
  const at = { server: "IS", port: "6600" };
  expect(sampleValue(samples, "isis_up", at)).toBe(1);
  expect(sampleValue(samples, "isis_uptime_seconds", at)).toBe(3600.1235);
  expect(sampleValue(samples, "isis_received_total", at)).toBe(51234);
  expect(sampleValue(samples, "isis_udp_in_total", at)).toBe(51234);
  expect(sampleValue(samples, "isis_in_flight", at)).toBe(2);
  expect(sampleValue(samples, "isis_late", at)).toBe(1);
  expect(text).toContain("# TYPE isis_routed_total counter\n");
  expect(text).toContain("# TYPE isis_late gauge\n");
  // What never reached the core: dropped by the flood guard, and by the kernel in front of the socket.
  expect(sampleValue(samples, "isis_flooded_total", at)).toBe(900);
  expect(sampleValue(samples, "isis_kernel_dropped_total", at)).toBe(35);
  expect(text).toContain("# HELP isis_kernel_dropped_total Datagrams the kernel dropped in front of the server's socket");
  expect(sampleValue(samples, "isis_clients", at)).toBe(2);
  expect(sampleValue(samples, "isis_clients_stale", at)).toBe(1);
  expect(sampleValue(samples, "isis_client_idle_seconds", { client: "M1.RC" })).toBe(130.002);
  expect(sampleValue(samples, "isis_client_stale", { client: "M1.IE" })).toBe(0);
  expect(sampleValue(samples, "isis_command_completed_total", { word: "FILTER" })).toBe(120);
  expect(sampleValue(samples, "isis_command_latency_seconds", { word: "FILTER", quantile: "0.99" })).toBe(0.150003);
  expect(sampleValue(samples, "isis_command_latency_seconds", { word: "FILTER", quantile: "1" })).toBe(0.21033);
});

test("the file left at shutdown says the server is down", () => {
  expect(sampleValue(parsePrometheus(metricsText({ ...facts, up: false })), "isis_up")).toBe(0);
});

test("a command word or client name a client made up cannot break the format or add a sample", () => {
  const hostile = 'X"} 1\nisis_up{server="EVIL'; // a quote, a brace, a newline
  const [word, client] = [facts.stats.latency[0], facts.clients[0]] as const;
  if (!word || !client) throw new Error("fixture");
  const text = metricsText({ ...facts, stats: { ...facts.stats, latency: [{ ...word, word: hostile }] }, clients: [{ ...client, name: "A\\B" }] });
  const samples = parsePrometheus(text);
  expect(samples.filter((s) => s.name === "isis_up")).toHaveLength(1);
  expect(sampleValue(samples, "isis_command_completed_total", { word: 'X"} 1\\x0aisis_up{server="EVIL' })).toBe(120);
  expect(sampleValue(samples, "isis_client_sent_total", { client: "A\\B" })).toBe(7);
});

test("with no clients and no commands the families are still declared, with no samples", () => {
  const text = metricsText({ ...facts, clients: [], stats: { ...facts.stats, latency: [] } });
  expect(parsePrometheus(text).filter((s) => s.name.startsWith("isis_client_") || s.name.startsWith("isis_command_"))).toEqual([]);
  expect(text).toContain("# TYPE isis_client_idle_seconds gauge\n");
});
