// The text of the LIVENESS, INFLIGHT and STATS reports, in IMPv2
// keyword=value form. Pure functions of plain facts: the commands send them
// as DONE: replies, the monitor snapshots as STATUS: MONITOR pages. Each list
// item packs its fields into one value, positional first, then `label:value`
// (README, "Seeing the system", documents every field).

import { cutText } from "../protocol/message.ts";
import type { HostEntry } from "./host-table.ts";
import { isLate, type OpenCommand } from "./in-flight.ts";
import type { LatencySummary } from "./latency.ts";
import { isStale } from "./liveness.ts";
import type { Subscriber } from "./monitor-hub.ts";
import type { Item } from "./paged-reply.ts";

export interface Report {
  /** The fixed fields, after the command word. */
  readonly head: string;
  readonly items: readonly Item[];
}

const sec = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);
const msText = (ms: number): string => ms.toFixed(3);

export function livenessReport(entries: readonly HostEntry[], now: number, staleAfterMs: number, rtt: (name: string) => number | undefined): Report {
  let numStale = 0;
  const items = entries.map((e) => {
    const stale = isStale(e, now, staleAfterMs);
    if (stale) numStale++;
    const via = e.endpoint.kind === "udp" ? `udp:${e.endpoint.address}:${e.endpoint.port}` : `tty${e.endpoint.index}:${e.endpoint.device}`;
    const trip = rtt(e.name);
    const fields = [
      e.name,
      via,
      `idle:${sec(now - e.lastHeard)}`,
      `in:${e.messagesIn}`,
      `out:${e.messagesOut}`,
      `rtt:${trip === undefined ? "-" : msText(trip)}`,
    ];
    // Only when there is something to say, and before the last field, which stays ok|stale.
    if (e.restored) fields.push("restored");
    if (e.unreachableSince !== undefined) fields.push(`unreachable:${sec(now - e.unreachableSince)}`);
    if (e.undelivered > 0) fields.push(`undelivered:${e.undelivered}`);
    fields.push(stale ? "stale" : "ok");
    return { key: e.slot, text: `c${e.slot}=${fields.join(",")}` };
  });
  return { head: `numClients=${entries.length} numStale=${numStale} staleAfter=${seconds(staleAfterMs)}`, items };
}

/** Progress text shown for an open command: what follows `STATUS: WORD`, clipped, in single quotes. */
const PROGRESS_CHARS = 48;

export function inFlightReport(open: readonly OpenCommand[], now: number, timeoutMs: number, evicted: number): Report {
  let numLate = 0;
  const items = open.map((c, i) => {
    const late = isLate(c, now, timeoutMs);
    if (late) numLate++;
    // The tables keep words as they came (up to a message long); a report shows a cut one, so a page stays a datagram.
    const fields = [`${c.requester}>${c.target}`, cutText(c.word), `age:${sec(now - c.sentAt)}`, late ? "late" : "ok", `status:${c.progressCount}`];
    const progress = c.progress === undefined ? "" : ` p${i}='${progressText(c.progress)}'`;
    return { key: i, text: `f${i}=${fields.join(",")}${progress}` };
  });
  return { head: `numOpen=${open.length} numLate=${numLate} timeout=${seconds(timeoutMs)} evicted=${evicted}`, items };
}

function progressText(body: string): string {
  // Drop the type and the command word: `STATUS: move Moving to POS=2` -> `Moving to POS=2`.
  const text = body.trim().split(/ +/).slice(2).join(" ").replaceAll("'", '"');
  return text.length > PROGRESS_CHARS ? `${text.slice(0, PROGRESS_CHARS - 3)}...` : text;
}

export interface StatsFacts {
  readonly uptimeMs: number;
  readonly counters: Readonly<Record<string, number>>;
  readonly latency: readonly LatencySummary[];
}

export function statsReport(f: StatsFacts): Report {
  const counters = Object.entries(f.counters)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const items = f.latency.map((l, i) => ({
    key: i,
    text: `cmd${i}=${cutText(l.word)},n:${l.count},p50:${msText(l.p50)},p90:${msText(l.p90)},p99:${msText(l.p99)},max:${msText(l.max)}`,
  }));
  return { head: `uptime=${sec(f.uptimeMs)} ${counters} numCmds=${f.latency.length}`, items };
}

export function monitorsReport(subscribers: readonly Subscriber[], now: number, max: number): Report {
  const items = subscribers.map((s, i) => ({
    key: i,
    text: `m${i}=${s.name},udp:${s.endpoint.address}:${s.endpoint.port},lease:${sec(s.expiresAt - now)},sent:${s.mirrored},dropped:${s.dropped}`,
  }));
  return { head: `numMonitors=${subscribers.length} maxMonitors=${max}`, items };
}

/** Config seconds as given: 120, 0.5. */
const seconds = (ms: number): string => String(ms / 1000);
