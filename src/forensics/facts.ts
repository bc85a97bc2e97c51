// The facts the morning's questions ask for, kept as the log is read: who
// was heard and when they went quiet, which errors came back, who flooded,
// how busy it was, what happened to the server. Each book is bounded, so a
// season of logs (or an agent inventing names) cannot grow the reader.
import { formatIsoMicros } from "../shared/timestamp.ts";
import { round3 } from "./command-book.ts";
import type { ClientRemoval, ClientSummary, ErrorSummary, FloodSummary, ServerEvent, Summary, UnreachableEnd } from "./summary.ts";

/** A summary's time: the log's stamp with its zone said. */
export const stampOf = (ms: number): string => `${formatIsoMicros(ms)}Z`;

const MAX_CLIENTS = 4096;
/** Per client: silences, unreachable spells and removals kept (the rest counted). */
const MAX_SILENCES = 50;

interface Unreachable {
  readonly from: number;
  readonly reason: string;
  to: number | undefined;
  ended: UnreachableEnd | null;
}

export interface Client {
  readonly name: string;
  transport: "udp" | "serial" | null;
  address: string | null;
  firstHeard: number | undefined;
  lastHeard: number | undefined;
  messages: number;
  added: number;
  moves: number;
  readonly silences: { from: number; to: number }[];
  silencesOmitted: number;
  /** Spells when datagrams to it came back unreachable; the last may be open. */
  readonly unreachable: Unreachable[];
  unreachableOmitted: number;
  readonly removals: { at: number; how: ClientRemoval["how"]; detail: string }[];
  removalsOmitted: number;
}

export class ClientBook {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly staleAfterMs: number) {}

  /** The client of this name; undefined once MAX_CLIENTS names are known. */
  get(name: string): Client | undefined {
    const known = this.clients.get(name);
    if (known || this.clients.size >= MAX_CLIENTS) return known;
    const c: Client = {
      name,
      transport: null,
      address: null,
      firstHeard: undefined,
      lastHeard: undefined,
      messages: 0,
      added: 0,
      moves: 0,
      silences: [],
      silencesOmitted: 0,
      unreachable: [],
      unreachableOmitted: 0,
      removals: [],
      removalsOmitted: 0,
    };
    this.clients.set(name, c);
    return c;
  }

  /** A message (or heartbeat) from `name`: a silence longer than StaleAfter before it is noted. */
  heard(name: string, at: number): Client | undefined {
    const c = this.get(name);
    if (!c) return undefined;
    c.messages++;
    c.firstHeard ??= at;
    if (c.lastHeard !== undefined && this.staleAfterMs > 0 && at - c.lastHeard > this.staleAfterMs) {
      if (c.silences.length < MAX_SILENCES) c.silences.push({ from: c.lastHeard, to: at });
      else c.silencesOmitted++;
    }
    c.lastHeard = at;
    return c;
  }

  /** Where a client is now (`Added`, `moved`, a heartbeat's address): a device path is a serial line. */
  locate(c: Client, address: string | undefined): void {
    c.address = address ?? null;
    c.transport = address?.startsWith("/") ? "serial" : "udp";
  }

  /** The server said datagrams to it come back unreachable (once, until it is heard from again). */
  unreachable(name: string, at: number, reason: string): void {
    const c = this.get(name);
    if (!c || openSpell(c)) return;
    if (c.unreachable.length < MAX_SILENCES) c.unreachable.push({ from: at, reason, to: undefined, ended: null });
    else c.unreachableOmitted++;
  }

  /** Its unreachable spell is over: heard from again, evicted, removed, or the server process started afresh. */
  reachable(name: string, at: number, how: UnreachableEnd): void {
    const c = this.clients.get(name);
    const spell = c && openSpell(c);
    if (!spell) return;
    spell.to = at;
    spell.ended = how;
  }

  /** Taken out of the host table: evicted for a newcomer, or removed (a monitor's name, REMOVE). */
  removed(name: string, at: number, how: ClientRemoval["how"], detail: string): void {
    const c = this.get(name);
    if (!c) return;
    this.reachable(name, at, how);
    if (c.removals.length < MAX_SILENCES) c.removals.push({ at, how, detail });
    else c.removalsOmitted++;
  }

  /** A new server process knows none of the old one's unreachable clients (the state file leaves them out). */
  serverStarted(at: number): void {
    for (const c of this.clients.values()) if (openSpell(c)) this.reachable(c.name, at, "server-started");
  }

  /** By name; a client silent at `end` for longer than StaleAfter has a last silence with no end. */
  summaries(end: number): ClientSummary[] {
    return [...this.clients.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => {
        const silences: { from: string; to: string | null; seconds: number }[] = c.silences.map((s) => ({
          from: stampOf(s.from),
          to: stampOf(s.to),
          seconds: round3((s.to - s.from) / 1000),
        }));
        if (c.lastHeard !== undefined && this.staleAfterMs > 0 && end - c.lastHeard > this.staleAfterMs) {
          silences.push({ from: stampOf(c.lastHeard), to: null, seconds: round3((end - c.lastHeard) / 1000) });
        }
        return {
          name: c.name,
          transport: c.transport,
          address: c.address,
          firstHeard: c.firstHeard === undefined ? null : stampOf(c.firstHeard),
          lastHeard: c.lastHeard === undefined ? null : stampOf(c.lastHeard),
          messages: c.messages,
          added: c.added,
          moves: c.moves,
          silences,
          silencesOmitted: c.silencesOmitted,
          unreachable: c.unreachable.map((u) => ({
            from: stampOf(u.from),
            to: u.to === undefined ? null : stampOf(u.to),
            seconds: round3(((u.to ?? Math.max(end, u.from)) - u.from) / 1000),
            reason: u.reason,
            ended: u.ended,
          })),
          unreachableOmitted: c.unreachableOmitted,
          removals: c.removals.map((r) => ({ at: stampOf(r.at), how: r.how, detail: r.detail })),
          removalsOmitted: c.removalsOmitted,
        };
      });
  }
}

/** The client's unreachable spell still open, if any. */
const openSpell = (c: Client): Unreachable | undefined => {
  const last = c.unreachable.at(-1);
  return last && last.to === undefined ? last : undefined;
};

const MAX_ERROR_TEXTS = 4096;
const MAX_ERROR_CHARS = 200;

/** ERROR:/FATAL: texts by sender, counted; beyond MAX_ERROR_TEXTS distinct ones only the total grows. */
export class ErrorBook {
  total = 0;
  private readonly texts = new Map<string, { from: string; text: string; count: number; first: number; last: number }>();

  add(from: string, body: string, at: number): void {
    this.total++;
    const text = body.length > MAX_ERROR_CHARS ? `${body.slice(0, MAX_ERROR_CHARS)}...` : body;
    const key = `${from}\n${text}`;
    const known = this.texts.get(key);
    if (known) {
      known.count++;
      known.last = at;
    } else if (this.texts.size < MAX_ERROR_TEXTS) {
      this.texts.set(key, { from, text, count: 1, first: at, last: at });
    }
  }

  top(n: number): ErrorSummary[] {
    return [...this.texts.values()]
      .sort((a, b) => b.count - a.count || a.first - b.first)
      .slice(0, n)
      .map((e) => ({ from: e.from, text: e.text, count: e.count, first: stampOf(e.first), last: stampOf(e.last) }));
  }
}

const MAX_FLOOD_SENDERS = 1024;

/** The flood guard's notes: per sender, how often it was limited and how many datagrams that cost it. */
export class FloodBook {
  episodes = 0;
  dropped = 0;
  overloads = 0;
  kernelDropped = 0;
  private readonly senders = new Map<string, { episodes: number; dropped: number; first: number; last: number; limited: boolean }>();

  limited(sender: string, at: number): void {
    const s = this.sender(sender, at);
    this.episodes++;
    if (!s) return;
    s.episodes++;
    s.limited = true;
  }

  calmed(sender: string, dropped: number, at: number): void {
    const s = this.sender(sender, at);
    this.dropped += dropped;
    if (!s) return;
    s.dropped += dropped;
    s.limited = false;
  }

  overload(dropped: number): void {
    this.overloads++;
    this.kernelDropped += dropped;
  }

  summaries(): FloodSummary[] {
    return [...this.senders]
      .map(([sender, s]) => ({ sender, episodes: s.episodes, dropped: s.dropped, first: stampOf(s.first), last: stampOf(s.last), limitedAtEnd: s.limited }))
      .sort((a, b) => b.dropped - a.dropped || b.episodes - a.episodes);
  }

  private sender(name: string, at: number) {
    let s = this.senders.get(name);
    if (!s && this.senders.size < MAX_FLOOD_SENDERS) {
      s = { episodes: 0, dropped: 0, first: at, last: at, limited: false };
      this.senders.set(name, s);
    }
    if (s) s.last = at;
    return s;
  }
}

const BUCKET_MS = 600_000;
const MAX_BUCKETS = 10_000;
/** Ten-minute buckets kept (two years); a damaged log with stamps all over the calendar cannot grow the reader. */
const MAX_KEPT_BUCKETS = 105_120;

/** Messages per 10 minutes; a range longer than MAX_BUCKETS of them is folded into wider buckets. */
export class Traffic {
  private readonly buckets = new Map<number, number>();
  private bucket = Number.NaN;
  private count = 0;
  /** Messages in buckets beyond MAX_KEPT_BUCKETS. */
  uncounted = 0;

  add(at: number): void {
    const b = Math.floor(at / BUCKET_MS);
    // Lines come in time order: one Map update per bucket, not per message.
    if (b !== this.bucket) {
      this.flush();
      this.bucket = b;
    }
    this.count++;
  }

  series(): Summary["traffic"] {
    this.flush();
    if (this.buckets.size === 0) return { bucketSeconds: BUCKET_MS / 1000, start: null, counts: [] };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const b of this.buckets.keys()) {
      if (b < lo) lo = b;
      if (b > hi) hi = b;
    }
    const fold = Math.ceil((hi - lo + 1) / MAX_BUCKETS);
    const counts = new Array<number>(Math.floor((hi - lo) / fold) + 1).fill(0);
    for (const [b, n] of this.buckets) {
      const i = Math.floor((b - lo) / fold);
      counts[i] = (counts[i] ?? 0) + n;
    }
    return { bucketSeconds: (BUCKET_MS / 1000) * fold, start: stampOf(lo * BUCKET_MS), counts };
  }

  private flush(): void {
    if (this.count === 0) return;
    const known = this.buckets.get(this.bucket);
    if (known !== undefined || this.buckets.size < MAX_KEPT_BUCKETS) this.buckets.set(this.bucket, (known ?? 0) + this.count);
    else this.uncounted += this.count;
    this.count = 0;
  }
}

const MAX_EVENTS = 500;

/** What happened to the server, the latest MAX_EVENTS of it. */
export class EventLog {
  readonly list: ServerEvent[] = [];
  omitted = 0;

  add(at: number, event: string, detail: string): void {
    this.list.push({ at: stampOf(at), event, detail });
    if (this.list.length > MAX_EVENTS) {
      this.list.shift();
      this.omitted++;
    }
  }
}
