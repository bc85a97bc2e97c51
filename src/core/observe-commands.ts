// The server commands that let operators see the system (issue 9):
//   LIVENESS [PING] [FROM K]   per client: transport, idle time, counts, PING round trip, stale
//   INFLIGHT [CLEAR] [FROM K]  routed commands still waiting for DONE:/ERROR:/FATAL:
//   STATS [FROM K]             counters since start, per-command latency percentiles
//   MONITOR [ON [NODE ...] [TYPE ...] | OFF]   subscribe to a copy of the traffic
// Arguments may be written KEY=VALUE or KEY VALUE (`isis cmd` turns every `=`
// into a space). Replies are one DONE: line each, paged to fit a datagram.
import { BODY_KINDS } from "../protocol/body-kind.ts";
import { cutText } from "../protocol/message.ts";
import type { Handler } from "./command-context.ts";
import { type MirrorKind, MONITOR_LEASE_MS, type MonitorFilter } from "./monitor-hub.ts";
import type { Report } from "./observe-report.ts";
import { page } from "./paged-reply.ts";

/** `NODE=M1.IE` and `node m1.ie` alike: keywords upper case, values as typed. */
const splitArgs = (args: readonly string[]): string[] => args.flatMap((a) => a.split("=")).filter((a) => a !== "");

/** Parse `[FROM K]` and any flag words the command takes; a reason string when an argument is wrong. */
function parseListArgs(word: string, args: readonly string[], flags: readonly string[]): { from: number; flags: Set<string> } | string {
  const words = splitArgs(args);
  let from = 0;
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = (words[i] as string).toUpperCase();
    if (w === "FROM") {
      const n = words[++i];
      if (n === undefined || !/^\d{1,4}$/.test(n)) return `ERROR: ${word} FROM needs a number`;
      from = Number(n);
    } else if (flags.includes(w)) seen.add(w);
    else return `ERROR: ${word} unknown argument '${cutText(words[i] as string)}'`;
  }
  return { from, flags: seen };
}

const reply = (word: string, r: Report, from: number): string => `DONE: ${word} ${page(r.head, r.items, from)}`;

const liveness: Handler = (ctx, args) => {
  const parsed = parseListArgs("LIVENESS", args, ["PING"]);
  if (typeof parsed === "string") return parsed;
  if (parsed.flags.has("PING")) return `DONE: LIVENESS PING numPinged=${ctx.observer.pingClients()}`;
  return reply("LIVENESS", ctx.observer.liveness(), parsed.from);
};

const inFlight: Handler = (ctx, args) => {
  const parsed = parseListArgs("INFLIGHT", args, ["CLEAR"]);
  if (typeof parsed === "string") return parsed;
  if (parsed.flags.has("CLEAR")) return `DONE: INFLIGHT CLEAR numCleared=${ctx.observer.inFlight.clear()}`;
  return reply("INFLIGHT", ctx.observer.openCommands(), parsed.from);
};

const stats: Handler = (ctx, args) => {
  const parsed = parseListArgs("STATS", args, []);
  if (typeof parsed === "string") return parsed;
  return reply("STATS", ctx.observer.stats(), parsed.from);
};

const MIRROR_KINDS: ReadonlySet<string> = new Set<string>([...BODY_KINDS, "BAD"]);
const NODE_PATTERN = /^[A-Za-z0-9._]{1,8}\*?$/;

/** `[NODE a,b] [TYPE x,y]`, each keyword any number of times. */
function parseFilter(args: readonly string[]): MonitorFilter | string {
  const words = splitArgs(args);
  const nodes: string[] = [];
  const kinds = new Set<MirrorKind>();
  for (let i = 0; i < words.length; i++) {
    const key = (words[i] as string).toUpperCase();
    const value = words[++i];
    if (key !== "NODE" && key !== "TYPE") return `ERROR: MONITOR unknown filter '${cutText(words[i - 1] as string)}' (NODE or TYPE)`;
    if (value === undefined) return `ERROR: MONITOR ${key} needs a value`;
    for (const part of value.split(",").filter(Boolean)) {
      if (key === "NODE") {
        if (!NODE_PATTERN.test(part)) return `ERROR: MONITOR bad node name '${cutText(part)}'`;
        nodes.push(part.toUpperCase());
        continue;
      }
      let kind = part.toUpperCase().replace(/:$/, "");
      if (kind === "HEARTBEAT") kind = "HB";
      if (!MIRROR_KINDS.has(kind)) return `ERROR: MONITOR unknown type '${cutText(part)}' (${[...MIRROR_KINDS].join(" ")})`;
      kinds.add(kind as MirrorKind);
    }
  }
  return { nodes, kinds };
}

const monitor: Handler = (ctx, args, _exec, from) => {
  const action = (args[0] ?? "").toUpperCase();
  const hub = ctx.observer.hub;
  if (action === "" || action === "FROM") {
    const parsed = parseListArgs("MONITOR", args, []);
    if (typeof parsed === "string") return parsed;
    return reply("MONITOR", ctx.observer.monitors(), parsed.from);
  }
  if (action === "OFF") {
    if (from) hub.unsubscribe(from.name);
    return "DONE: MONITOR OFF";
  }
  if (action !== "ON") return `ERROR: MONITOR unknown argument '${cutText(args[0] as string)}' (ON, OFF)`;
  // A refused monitor's name, if this request made it up, must not stay behind in the host table.
  const refuse = (reply: string): string => {
    if (from?.fresh) ctx.forget(from.name, `refused as a monitor (${reply.slice(7)})`);
    return reply;
  };
  if (from?.endpoint.kind !== "udp") return refuse("ERROR: MONITOR ON only a UDP client can watch the traffic");
  const filter = parseFilter(args.slice(1));
  if (typeof filter === "string") return refuse(filter);
  if (!hub.subscribe(from.name, from.endpoint, filter, ctx.now())) return refuse("ERROR: MONITOR ON too many monitors, try again later");
  const nodes = filter.nodes.length === 0 ? "*" : filter.nodes.join(",");
  const kinds = filter.kinds.size === 0 ? "*" : [...filter.kinds].join(",");
  return `DONE: MONITOR ON lease=${MONITOR_LEASE_MS / 1000} node=${nodes} type=${kinds}`;
};

export const OBSERVE_HANDLERS: Readonly<Record<string, Handler>> = {
  LIVENESS: liveness,
  INFLIGHT: inFlight,
  STATS: stats,
  MONITOR: monitor,
};
