// Monitor subscriptions: a client that sent `MONITOR ON` gets a copy of the
// traffic as `IS>MON1 STATUS: MONITOR seq=N rx|tx|bad TEXT`, filtered by node
// and message kind. Nobody watching costs one boolean test per message. While
// someone is, each message costs a filter test and a string per subscriber;
// the copies are queued (bounded) and sent after the current message has been
// routed, so routing never waits for a monitor, and each monitor gets at most
// COPY_RATE copies a second (more than anyone can read; the rest are counted
// and show as gaps in its sequence numbers), so a monitor watching a server at
// full load adds a bounded amount of work, not a copy of everything.
// Subscriptions lapse unless renewed, so a monitor that vanished stops costing anything.

import { type BodyKind, bodyInfo } from "../protocol/body-kind.ts";
import { MAX_MESSAGE_BYTES } from "../protocol/message.ts";
import type { Endpoint, UdpEndpoint } from "../shared/endpoint.ts";

export const MONITOR_LEASE_MS = 15_000;
export const MAX_MONITORS = 4;
/** Copies waiting to be sent; beyond this a burst is dropped (and counted) rather than queued. */
const MAX_QUEUED = 1024;
/** Copies per second per monitor, with a burst of as many. */
export const COPY_RATE = 1000;

export type MirrorKind = BodyKind | "BAD";
export type Direction = "rx" | "tx" | "bad";

export interface MonitorFilter {
  /** Node names, upper case; `M1.*` matches every name starting `M1.`. Empty: every node. */
  readonly nodes: readonly string[];
  /** Kinds to show. Empty: every kind. */
  readonly kinds: ReadonlySet<MirrorKind>;
}

export interface Subscriber {
  readonly name: string;
  endpoint: UdpEndpoint;
  filter: MonitorFilter;
  expiresAt: number;
  /** Sequence number of the last copy sent; gaps tell the monitor it lost some. */
  seq: number;
  mirrored: number;
  dropped: number;
  /** Token bucket for COPY_RATE. */
  tokens: number;
  refilledAt: number;
}

export interface HubDeps {
  send(to: Endpoint, text: string): void;
  serverId(): string;
  /** Run fn once the current message has been handled (setImmediate in the server). */
  defer(fn: () => void): void;
  /** A subscription lapsed (not renewed within its lease): `renewedAt` is when it was last renewed. */
  lapsed?(name: string, endpoint: UdpEndpoint, renewedAt: number): void;
  /** The first subscriber came: snapshots are due from now on. */
  activated?(): void;
}

export class MonitorHub {
  /** True while anyone is subscribed: the only test made per message otherwise. */
  active = false;
  /** Copies queued and copies dropped (queue full), since start, over all subscribers. */
  totalMirrored = 0;
  totalDropped = 0;
  private readonly subscribers = new Map<string, Subscriber>();
  private queue: Array<{ to: UdpEndpoint; text: string }> = [];
  private flushScheduled = false;

  constructor(private readonly deps: HubDeps) {}

  /** Subscribe or renew; false when MAX_MONITORS others are already watching. */
  subscribe(name: string, endpoint: UdpEndpoint, filter: MonitorFilter, now: number): boolean {
    this.prune(now);
    const known = this.subscribers.get(name);
    if (known) {
      known.endpoint = endpoint;
      known.filter = filter;
      known.expiresAt = now + MONITOR_LEASE_MS;
      return true;
    }
    if (this.subscribers.size >= MAX_MONITORS) return false;
    this.subscribers.set(name, {
      name,
      endpoint,
      filter,
      expiresAt: now + MONITOR_LEASE_MS,
      seq: 0,
      mirrored: 0,
      dropped: 0,
      tokens: COPY_RATE,
      refilledAt: now,
    });
    if (!this.active) {
      this.active = true;
      this.deps.activated?.();
    }
    return true;
  }

  /** Is `name` subscribed now (lapsed or not)? */
  isSubscriber(name: string): boolean {
    return this.subscribers.has(name);
  }

  unsubscribe(name: string): boolean {
    const had = this.subscribers.delete(name);
    this.active = this.subscribers.size > 0;
    return had;
  }

  list(now: number): Subscriber[] {
    this.prune(now);
    return [...this.subscribers.values()];
  }

  /** Drop lapsed subscriptions. */
  prune(now: number): void {
    for (const s of this.subscribers.values()) if (s.expiresAt <= now) this.lapse(s);
  }

  private lapse(s: Subscriber): void {
    this.subscribers.delete(s.name);
    this.active = this.subscribers.size > 0;
    this.deps.lapsed?.(s.name, s.endpoint, s.expiresAt - MONITOR_LEASE_MS);
  }

  /**
   * Copy one event to every subscriber whose filter takes it: a message
   * received (rx) or sent by the server (tx), given by its names and body, or
   * malformed input (bad, `body` is the log line). Traffic to or from a
   * subscriber itself (its renewals, its queries) is never copied. The kind
   * and the text are worked out only when a subscriber takes the copy.
   * Callers test `active` first, so this runs only while someone watches.
   */
  mirror(direction: Direction, src: string, dest: string, body: string, now: number): void {
    if (this.subscribers.has(src) || this.subscribers.has(dest)) return;
    let kind: MirrorKind | undefined;
    let text: string | undefined;
    for (const s of this.subscribers.values()) {
      if (s.expiresAt <= now) {
        this.lapse(s);
        continue;
      }
      if (!nodesMatch(s.filter.nodes, src, dest)) continue;
      if (s.filter.kinds.size > 0) {
        kind ??= direction === "bad" ? "BAD" : bodyInfo(body).kind;
        if (!s.filter.kinds.has(kind)) continue;
      }
      if (s.tokens < 1) {
        s.tokens = Math.min(COPY_RATE, s.tokens + ((now - s.refilledAt) * COPY_RATE) / 1000);
        s.refilledAt = now;
      }
      if (s.tokens < 1 || this.queue.length >= MAX_QUEUED) {
        s.seq++; // the gap in sequence numbers shows the monitor what it missed
        s.dropped++;
        this.totalDropped++;
        continue;
      }
      s.tokens--;
      text ??= direction === "bad" ? `bad ${body}` : `${direction} ${src}>${dest}${body === "" ? "" : ` ${body}`}`;
      this.queue.push({ to: s.endpoint, text: this.frame(s, text) });
      s.mirrored++;
      this.totalMirrored++;
    }
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      this.deps.defer(() => this.flush());
    }
  }

  /** Send each subscriber the same bodies (periodic snapshots), in order. Not filtered. */
  publish(bodies: readonly string[], now: number): void {
    // Copies still queued go first, so sequence numbers arrive in order.
    if (this.queue.length > 0) this.flush();
    this.prune(now);
    for (const s of this.subscribers.values()) for (const body of bodies) this.deps.send(s.endpoint, this.frame(s, body));
  }

  /** Send what mirror() queued. */
  flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    for (const { to, text } of queued) this.deps.send(to, text);
  }

  /**
   * `ID>NAME STATUS: MONITOR seq=N TEXT\r`, never over the 2048-byte limit:
   * a copy of a near-limit message is cut at the end and marked `cut=K`
   * (K bytes left out) before the direction word.
   */
  private frame(s: Subscriber, text: string): string {
    s.seq++;
    const head = `${this.deps.serverId()}>${s.name} STATUS: MONITOR seq=${s.seq} `;
    const over = head.length + text.length + 1 - MAX_MESSAGE_BYTES;
    if (over <= 0) return `${head}${text}\r`;
    let cut = over;
    for (let i = 0; i < 3; i++) cut = over + `cut=${cut} `.length;
    return `${head}cut=${cut} ${text.slice(0, text.length - cut)}\r`;
  }
}

function nodesMatch(nodes: readonly string[], src: string, dest: string): boolean {
  if (nodes.length === 0) return true;
  for (const pattern of nodes) if (nodeMatches(pattern, src) || nodeMatches(pattern, dest)) return true;
  return false;
}

const nodeMatches = (pattern: string, name: string): boolean =>
  name !== "" && (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
