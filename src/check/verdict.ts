// What `isis check` makes of the server's answers: one line and an exit
// status as monitoring plugins have them (Nagios, Icinga, Naemon; cron reads
// the status too): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, the line
// `ISIS STATE - what | perfdata`. Pure.
import { escapeControls } from "../protocol/escape.ts";
import { readPage } from "../protocol/report-page.ts";

export const OK = 0;
export const WARNING = 1;
export const CRITICAL = 2;
export const UNKNOWN = 3;
export type CheckState = typeof OK | typeof WARNING | typeof CRITICAL | typeof UNKNOWN;
const STATE_NAMES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;

/** One request's outcome: the reply's body (DONE:, ERROR:...), or why there was none. */
export type Asked = { readonly kind: "answer"; readonly body: string } | { readonly kind: "silent"; readonly why: string };

export interface CheckInput {
  /** The server's node name and where it was asked (host:port), for the line. */
  readonly server: string;
  readonly where: string;
  /** Our own node name: our entry in the host table is not a client. */
  readonly self: string;
  /** Clients whose silence is no warning (NAME or NAME*). */
  readonly ignore: readonly string[];
  readonly status: Asked;
  /** The pages of LIVENESS, in order; absent when STATUS got no answer. */
  readonly liveness?: readonly Asked[];
  readonly stats?: Asked;
}

export interface Verdict {
  readonly state: CheckState;
  readonly line: string;
}

/** At most this many names in the line; the count says the rest. */
const MAX_NAMES = 5;

export function verdict(input: CheckInput): Verdict {
  const { status } = input;
  if (status.kind === "silent") return say(CRITICAL, `no answer from ${input.server} at ${input.where}: ${status.why}`);
  if (!/^DONE: +STATUS\b/i.test(status.body)) return say(CRITICAL, `${input.server} at ${input.where} answered STATUS with '${status.body}'`);

  const problems: string[] = [];
  const perf: string[] = [];
  const statusFields = readPage(status.body).fields;
  const words = status.body.split(/\s+/);
  if (words.includes("-LOG")) problems.push("runtime log off (-LOG)");

  const clients = readClients(input);
  const stats = input.stats?.kind === "answer" && /^DONE: +STATS\b/i.test(input.stats.body) ? readPage(input.stats.body).fields : undefined;
  const late = stats ? Number(stats.late ?? 0) : undefined;
  // STATUS says why the log is not written (LogDown=), STATS how much it cost; they read the same state, and either warns.
  const logDown = statusFields.LogDown ?? (stats && Number(stats.logDown ?? 0) > 0 ? "" : undefined);
  if (logDown !== undefined) problems.push(`runtime log not written (${logDown ? `${logDown}, ` : ""}${stats?.logLost ?? "?"} entries lost)`);
  if (clients && clients.stale.length > 0) problems.push(`${clients.stale.length} stale (${names(clients.stale)})`);
  if (late !== undefined && late > 0) problems.push(`${late} late command${late === 1 ? "" : "s"}`);

  const numClients = clients?.count ?? Math.max(0, Number(statusFields.numClients ?? 0) - 1);
  const summary = [`${numClients} client${numClients === 1 ? "" : "s"}`];
  perf.push(`clients=${numClients};;;0;32`);
  if (clients) {
    summary.push(`${clients.stale.length} stale`);
    perf.push(`stale=${clients.stale.length};0;;0`);
  }
  if (stats) {
    summary.push(`${late} late`, `up ${uptimeText(Number(stats.uptime ?? 0))}`);
    perf.push(`late=${late};0;;0`, `inflight=${stats.inFlight ?? 0};;;0`, `uptime=${stats.uptime ?? 0}s`);
    for (const name of COUNTERS) if (stats[name] !== undefined) perf.push(`${name}=${stats[name]}c`);
  }
  const missing = [clients ? "" : "LIVENESS", stats ? "" : "STATS"].filter(Boolean);
  if (missing.length > 0) summary.push(`${missing.join(" and ")} not answered (an older server?): not checked`);
  const where = `${input.server} at ${statusFields.HostAddr ?? input.where}`;
  const text = `${problems.length > 0 ? `${problems.join(", ")} - ` : ""}${where}: ${summary.join(", ")}`;
  return say(problems.length > 0 ? WARNING : OK, text, perf);
}

/** Counters worth graphing, as STATS names them. */
const COUNTERS = [
  "received",
  "routed",
  "broadcast",
  "replied",
  "dropped",
  "malformed",
  "oversized",
  "unknownDestination",
  "refused",
  "loops",
  "flooded",
  "kernelDropped",
  "logLost",
];

interface Clients {
  readonly count: number;
  readonly stale: readonly string[];
}

/** Clients and the stale among them from LIVENESS's pages, leaving out ourselves and the ignored. */
function readClients(input: CheckInput): Clients | undefined {
  const pages = input.liveness ?? [];
  if (pages.length === 0 || pages.some((p) => p.kind !== "answer" || !/^DONE: +LIVENESS\b/i.test(p.body))) return undefined;
  let count = 0;
  const stale: string[] = [];
  for (const page of pages) {
    const { fields, items } = readPage((page as { body: string }).body);
    for (const key of items) {
      const parts = (fields[key] ?? "").split(",");
      const name = (parts[0] ?? "").toUpperCase();
      if (name === input.self.toUpperCase()) continue;
      count++;
      if (parts.at(-1) === "stale" && !ignored(name, input.ignore)) stale.push(name);
    }
  }
  return { count, stale };
}

const ignored = (name: string, patterns: readonly string[]): boolean => patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));

const names = (list: readonly string[]): string =>
  list.length <= MAX_NAMES ? list.join(" ") : `${list.slice(0, MAX_NAMES).join(" ")} and ${list.length - MAX_NAMES} more`;

/** `3d 4h`, `2h 5m`, `12m 3s`, `40s`. */
export function uptimeText(seconds: number): string {
  const s = Math.floor(seconds);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** The plugin line: `ISIS STATE - text | perfdata`; a `|` in the text would end it early, a newline start the long output. */
export function say(state: CheckState, text: string, perf: readonly string[] = []): Verdict {
  const clean = escapeControls(text).replaceAll("|", "/");
  return { state, line: `ISIS ${STATE_NAMES[state]} - ${clean}${perf.length > 0 ? ` | ${perf.join(" ")}` : ""}` };
}
