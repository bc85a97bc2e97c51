// When a host table entry is provably dead, and how its state shows. The
// table keeps 32 slots, as the field's clients assume; when it is full, a new
// client may take the slot of an entry that is provably dead, never of one
// that may be alive. Pure functions of the entries and the clock.
import type { HostEntry } from "./host-table.ts";

/** PINGs a client must leave unanswered (nothing at all heard from it since the first) to count as dead... */
export const PINGS_TO_DEATH = 2;
/** ...the last of them at least this long ago, time enough for a slow link to answer. */
export const PING_GRACE_MS = 5000;

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(1);

/**
 * Why the entry is provably dead, or undefined if it may be alive: datagrams
 * to it came back unreachable (its port is closed: the ICMP error says so,
 * and it has not spoken since), or it left PINGS_TO_DEATH PINGs unanswered.
 * A lapsed monitor's made-up name is removed as soon as the lease lapses.
 */
export function deadReason(e: HostEntry, now: number): string | undefined {
  if (e.unreachableSince !== undefined) return `unreachable for ${seconds(now - e.unreachableSince)} s (${e.unreachableWhy})`;
  if (e.unansweredPings >= PINGS_TO_DEATH && now - e.lastPingAt >= PING_GRACE_MS) {
    return `no answer to ${e.unansweredPings} PINGs, silent for ${seconds(now - e.lastHeard)} s`;
  }
  return undefined;
}

/** The entry a new client may replace: the longest unreachable first, then the longest silent of those dead by PINGs. */
export function evictable(entries: readonly HostEntry[], now: number): HostEntry | undefined {
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
