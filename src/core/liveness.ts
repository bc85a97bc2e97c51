// Liveness facts the host table does not keep: the last PING round trip per
// client, and which clients have been announced stale. Staleness itself is
// computed when asked (idle time against StaleAfter), so no timer runs for it.
import type { Endpoint } from "../shared/endpoint.ts";
import type { HostEntry } from "./host-table.ts";

/** Pending PINGs older than this are forgotten: a PONG that late measures nothing useful. */
const PING_EXPIRY_MS = 60_000;
/** At most this many PINGs awaited at once (32 clients, 12 presets, 8 serial ports fit). */
const MAX_PENDING = 64;

const endpointKey = (e: Endpoint): string => (e.kind === "udp" ? `${e.address}:${e.port}` : `tty${e.index}`);

/**
 * Round trips are measured per endpoint: a PING leaves for an address (from
 * the server, or routed from another client) and the PONG that comes back
 * from that address closes it, whoever it was addressed to.
 */
export class RoundTrips {
  private readonly pending = new Map<string, number>();
  private readonly lastRtt = new Map<string, number>();

  pinged(to: Endpoint, now: number): void {
    const key = endpointKey(to);
    this.pending.delete(key);
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    this.pending.set(key, now);
  }

  /** A PONG from `name` at `from`: its round trip in ms, if a PING to that address is pending. */
  ponged(name: string, from: Endpoint, now: number): number | undefined {
    const key = endpointKey(from);
    const sentAt = this.pending.get(key);
    if (sentAt === undefined) return undefined;
    this.pending.delete(key);
    if (now - sentAt > PING_EXPIRY_MS) return undefined;
    const rtt = now - sentAt;
    // Names are bounded by the host table; forget those no longer in it now and then.
    if (this.lastRtt.size >= MAX_PENDING && !this.lastRtt.has(name)) this.lastRtt.clear();
    this.lastRtt.set(name, rtt);
    return rtt;
  }

  rtt(name: string): number | undefined {
    return this.lastRtt.get(name);
  }
}

/** Silent for longer than staleAfterMs (0 = never stale). */
export const isStale = (entry: HostEntry, now: number, staleAfterMs: number): boolean => staleAfterMs > 0 && now - entry.lastHeard > staleAfterMs;

export interface StaleChanges {
  readonly stale: readonly HostEntry[];
  readonly back: readonly HostEntry[];
}

/** Remembers who was announced stale, so that each change is announced once. */
export class StaleWatch {
  private readonly announced = new Set<string>();

  /** Nobody is announced stale: the per-message check costs one comparison. */
  get empty(): boolean {
    return this.announced.size === 0;
  }

  /** Is `name` known stale (since the last check)? */
  isAnnounced(name: string): boolean {
    return this.announced.has(name);
  }

  /** `name` spoke: true (once) if it had been announced stale, so that its return is announced at once. */
  cameBack(name: string): boolean {
    return this.announced.delete(name);
  }

  check(entries: readonly HostEntry[], now: number, staleAfterMs: number): StaleChanges {
    const stale: HostEntry[] = [];
    const back: HostEntry[] = [];
    const present = new Set<string>();
    for (const entry of entries) {
      present.add(entry.name);
      const isNowStale = isStale(entry, now, staleAfterMs);
      const was = this.announced.has(entry.name);
      if (isNowStale && !was) {
        this.announced.add(entry.name);
        stale.push(entry);
      } else if (!isNowStale && was) {
        this.announced.delete(entry.name);
        back.push(entry);
      }
    }
    // A client REMOVEd while stale is forgotten; if it comes back it is new.
    for (const name of this.announced) if (!present.has(name)) this.announced.delete(name);
    return { stale, back };
  }
}
