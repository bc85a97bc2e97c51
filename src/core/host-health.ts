// When a host table entry is provably dead, what the table does about it,
// and how its state shows. The table keeps 32 slots, as the field's clients
// assume; when it is full, a new client may take the slot of an entry that is
// provably dead, never of one that may be alive.
import { CLIENT_EVICTED, CLIENT_REMOVED } from "../protocol/log-grammar.ts";
import { describeEndpoint, type Endpoint, sameEndpoint, type UdpEndpoint } from "../shared/endpoint.ts";
import type { HostEntry, HostTable } from "./host-table.ts";
import type { CoreEvents, Outbox } from "./ports.ts";

/** PINGs a client must leave unanswered (nothing at all heard from it since the first) to count as dead... */
const PINGS_TO_DEATH = 2;
/** ...the last of them at least this long ago, time enough for a slow link to answer. */
const PING_GRACE_MS = 5000;

/** A full table PINGs the clients silent this long to find the dead (one that just spoke is alive)... */
const PROBE_SILENT_MS = 1000;
/** ...each at most this often, so a burst of newcomers costs a PING per client at most. */
const PROBE_EVERY_MS = 5000;

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(1);

/**
 * Why the entry is provably dead, or undefined if it may be alive: datagrams
 * to it came back unreachable (its port is closed: the ICMP error says so,
 * and it has not spoken since), or it left PINGS_TO_DEATH PINGs unanswered.
 * A lapsed monitor's made-up name is removed as soon as the lease lapses.
 */
function deadReason(e: HostEntry, now: number): string | undefined {
  if (e.unreachableSince !== undefined) return `unreachable for ${seconds(now - e.unreachableSince)} s (${e.unreachableWhy})`;
  if (e.unansweredPings >= PINGS_TO_DEATH && now - e.lastPingAt >= PING_GRACE_MS) {
    return `no answer to ${e.unansweredPings} PINGs, silent for ${seconds(now - e.lastHeard)} s`;
  }
  return undefined;
}

/** The entry a new client may replace: the longest unreachable first, then the longest silent of those dead by PINGs. */
function evictable(entries: readonly HostEntry[], now: number): HostEntry | undefined {
  let best: HostEntry | undefined;
  for (const e of entries) {
    if (deadReason(e, now) === undefined) continue;
    if (best === undefined || rank(e) < rank(best)) best = e;
  }
  return best;
}

/** Unreachable entries rank before PING-dead ones; within each, the earliest first. */
const rank = (e: HostEntry): number => (e.unreachableSince !== undefined ? e.unreachableSince - 1e15 : e.lastHeard);

/**
 * What HOSTS adds after the C server's list, only when there is something to
 * say (so the reply is the old one while every client is well):
 * ` restored=A,B` clients put back from the state file and not heard from
 * since, ` unreachable=C` clients whose datagrams come back unreachable.
 */
export function hostListSuffix(entries: readonly HostEntry[]): string {
  const restored = entries.filter((e) => e.restored).map((e) => e.name);
  const unreachable = entries.filter((e) => e.unreachableSince !== undefined).map((e) => e.name);
  return (restored.length > 0 ? ` restored=${restored.join(",")}` : "") + (unreachable.length > 0 ? ` unreachable=${unreachable.join(",")}` : "");
}

/**
 * What HOST NAME adds after the C server's fields, only when there is
 * something to say: ` Statei=RESTORED` (from the state file, not heard from
 * since), or ` Statei=UNREACHABLE Sincei=SEC Whyi=port_unreachable`, and
 * ` Undeliveredi=N` when datagrams to it were lost.
 */
export function hostDetailSuffix(e: HostEntry, now: number): string {
  const i = e.slot;
  let text = "";
  if (e.unreachableSince !== undefined) {
    text += ` State${i}=UNREACHABLE Since${i}=${(Math.max(0, now - e.unreachableSince) / 1000).toFixed(3)} Why${i}=${e.unreachableWhy.replaceAll(" ", "_")}`;
  } else if (e.restored) text += ` State${i}=RESTORED`;
  if (e.undelivered > 0) text += ` Undelivered${i}=${e.undelivered}`;
  return text;
}

export interface HostHealthDeps {
  readonly hosts: HostTable;
  readonly counters: { hostsEvicted: number };
  readonly events: CoreEvents;
  readonly outbox: Outbox;
  serverId(): string;
}

/** What the core does for a table that heals: PINGs counted, the dead evicted for newcomers, lapsed monitors' names removed. */
export class HostHealth {
  constructor(private readonly deps: HostHealthDeps) {}

  /** PING a client, counting it as unanswered until the client is heard from. */
  ping(entry: HostEntry, now: number): void {
    entry.unansweredPings++;
    entry.lastPingAt = now;
    this.deps.outbox.send(entry.endpoint, `${this.deps.serverId()}>${entry.name} PING\r`);
  }

  /** The table is full: free the slot of a provably dead client for `name`, if there is one, and say who and why. */
  evictFor(name: string, from: Endpoint, now: number): boolean {
    const { hosts, events } = this.deps;
    const victim = evictable(hosts.entries(), now);
    if (!victim) return false;
    const why = deadReason(victim, now) as string;
    hosts.remove(victim.name);
    this.deps.counters.hostsEvicted++;
    const line = CLIENT_EVICTED.format({
      name: victim.name,
      address: describeEndpoint(victim.endpoint),
      slot: victim.slot,
      newcomer: name,
      from: describeEndpoint(from),
      reason: why,
    });
    events.log(line, now);
    events.notice("warning", line);
    return true;
  }

  /**
   * The table is full and nobody in it is known dead: PING those silent for a
   * while, so that the dead are known by the time the newcomer tries again
   * (a closed port answers at once with an ICMP error; others by not answering).
   */
  probeSilent(now: number): void {
    for (const entry of this.deps.hosts.entries()) {
      if (now - entry.lastHeard >= PROBE_SILENT_MS && now - entry.lastPingAt >= PROBE_EVERY_MS) this.ping(entry, now);
    }
  }

  /**
   * A monitor's subscription lapsed (it stopped renewing: killed, or its
   * terminal closed): the name it made up goes too, unless it has spoken
   * since its last renewal or has moved (then it is something else now).
   */
  monitorLapsed(name: string, endpoint: UdpEndpoint, renewedAt: number): void {
    const entry = this.deps.hosts.get(name);
    if (!entry || !sameEndpoint(entry.endpoint, endpoint) || entry.lastHeard > renewedAt) return;
    this.deps.hosts.remove(name);
    this.deps.events.log(CLIENT_REMOVED.format({ name, address: describeEndpoint(endpoint), reason: "its monitor subscription lapsed" }));
  }

  /** The clients worth saving across a restart: not the known dead, not monitors (they subscribe again). */
  savable(now: number, isMonitor: (name: string) => boolean): HostEntry[] {
    return this.deps.hosts.entries().filter((e) => deadReason(e, now) === undefined && !isMonitor(e.name));
  }
}
