// The MetricsFile's text: what STATS, LIVENESS and INFLIGHT report, in the
// Prometheus text exposition format (version 0.0.4), which node_exporter's
// textfile collector and Telegraf read. Pure: the numbers are the ones the
// STATS reply is made from (Observer.statsFacts), so the two agree.
import type { StatsFacts } from "../core/observe-report.ts";
import { escapeControls } from "../protocol/escape.ts";

export interface ClientFacts {
  readonly name: string;
  readonly idleSeconds: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly stale: boolean;
}

export interface MetricsFacts {
  /** ServerID and UDP port: the labels that tell two servers on one host apart. */
  readonly serverId: string;
  readonly port: number;
  /** false in the last file written at shutdown. */
  readonly up: boolean;
  readonly stats: StatsFacts;
  readonly clients: readonly ClientFacts[];
}

/** STATS counters that are levels, not running totals. */
const GAUGES: ReadonlySet<string> = new Set(["inFlight", "late", "monitors", "logDown"]);

/** What each STATS counter is, for # HELP (README, "Seeing the system"). */
const HELP: Readonly<Record<string, string>> = {
  received: "Datagrams and serial lines received",
  routed: "Messages forwarded to one client",
  broadcast: "Messages broadcast to AL",
  replied: "Answers from the server itself",
  malformed: "Malformed inputs ignored",
  oversized: "Inputs over 2048 bytes ignored",
  unknownDestination: "Messages answered No Route",
  dropped: "Messages not delivered",
  notSent: "Datagrams the kernel would not send",
  unreachable: "Datagrams that came back unreachable (ICMP)",
  refused: "Messages refused by Pin or ExecAllow",
  controlBytes: "Datagrams refused for a control byte inside them",
  loops: "Loops cut",
  hostsEvicted: "Dead clients whose host table slot went to a new one",
  flooded: "Datagrams the flood guard dropped (FloodLimit) while the server was overloaded",
  kernelDropped: "Datagrams the kernel dropped in front of the server's socket (its queue was full)",
  udpIn: "UDP datagrams received",
  udpOut: "UDP datagrams sent",
  serialIn: "Serial lines received",
  serialOut: "Serial lines sent",
  inFlight: "Routed commands waiting for their answer",
  late: "Commands in flight past CommandTimeout",
  completed: "Routed commands answered",
  unmatched: "Final answers no open command matched",
  evicted: "Commands dropped from a full in-flight table",
  monitors: "Monitor subscriptions",
  mirrored: "Copies sent to monitors",
  mirrorDropped: "Copies not sent to monitors",
  logLost: "Runtime log entries lost",
  logDown: "1 while the runtime log is on and not being written (STATUS LogDown=)",
};

/** `udpIn` -> `udp_in`. */
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A label value as the format wants it: control bytes as \xNN (the one escaper), then backslash and quote escaped. */
const label = (value: string): string => escapeControls(value).replaceAll("\\", "\\\\").replaceAll('"', '\\"');

/** A number as Prometheus reads it (no exponent for the counters we have; NaN never written). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : "0");

/** Milliseconds as seconds to the microsecond: 210.33 ms is 0.21033, not 0.21033000000000002. */
const secondsOf = (ms: number): number => Math.round(ms * 1000) / 1e6;

export function metricsText(f: MetricsFacts): string {
  const base = `server="${label(f.serverId)}",port="${f.port}"`;
  const out: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string, samples: ReadonlyArray<readonly [string, number]>): void => {
    out.push(`# HELP ${name} ${help}.`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}{${base}${labels}} ${num(value)}`);
  };
  family("isis_up", "gauge", "1 while the server runs; 0 in the file it leaves at shutdown", [["", f.up ? 1 : 0]]);
  family("isis_uptime_seconds", "gauge", "Seconds since the server started", [["", secondsOf(f.stats.uptimeMs)]]);
  for (const [key, value] of Object.entries(f.stats.counters)) {
    const gauge = GAUGES.has(key);
    family(`isis_${snake(key)}${gauge ? "" : "_total"}`, gauge ? "gauge" : "counter", HELP[key] ?? key, [["", value]]);
  }
  family("isis_clients", "gauge", "Clients in the host table", [["", f.clients.length]]);
  family("isis_clients_stale", "gauge", "Clients silent longer than StaleAfter", [["", f.clients.filter((c) => c.stale).length]]);
  const per = (c: ClientFacts) => `,client="${label(c.name)}"`;
  family(
    "isis_client_idle_seconds",
    "gauge",
    "Seconds since the client was last heard",
    f.clients.map((c) => [per(c), c.idleSeconds]),
  );
  family(
    "isis_client_received_total",
    "counter",
    "Messages from the client",
    f.clients.map((c) => [per(c), c.messagesIn]),
  );
  family(
    "isis_client_sent_total",
    "counter",
    "Messages to the client",
    f.clients.map((c) => [per(c), c.messagesOut]),
  );
  family(
    "isis_client_stale",
    "gauge",
    "1 when the client is stale",
    f.clients.map((c) => [per(c), c.stale ? 1 : 0]),
  );
  const words = f.stats.latency;
  family(
    "isis_command_completed_total",
    "counter",
    "Completed commands per command word (as STATS cmdI n)",
    words.map((l) => [`,word="${label(l.word)}"`, l.count]),
  );
  family(
    "isis_command_latency_seconds",
    "gauge",
    "Latency of completed commands per command word, from STATS's histogram (quantile 1 is the exact maximum)",
    words.flatMap((l) => {
      const w = `,word="${label(l.word)}"`;
      return [
        [`${w},quantile="0.5"`, secondsOf(l.p50)],
        [`${w},quantile="0.9"`, secondsOf(l.p90)],
        [`${w},quantile="0.99"`, secondsOf(l.p99)],
        [`${w},quantile="1"`, secondsOf(l.max)],
      ] as const;
    }),
  );
  return `${out.join("\n")}\n`;
}
