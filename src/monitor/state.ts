// What the monitor knows, built from the server's feed: the recent traffic,
// the last complete snapshot of each table, and how many copies were lost
// (gaps in sequence numbers). No I/O; the clock is passed in.
import type { FeedEvent, SnapshotPage, SnapshotTopic } from "./feed.ts";

/** Lines of traffic kept for the screen. */
const TRAFFIC_KEPT = 500;

export interface TrafficLine {
  /** Clock ms when it arrived. */
  readonly at: number;
  readonly direction: "rx" | "tx" | "bad";
  readonly text: string;
  /** Bytes the server cut off the end to fit the copy in a datagram. */
  readonly cut: number;
}

export interface ClientRow {
  readonly slot: number;
  readonly name: string;
  readonly via: string;
  readonly idle: string;
  readonly messagesIn: string;
  readonly messagesOut: string;
  readonly rtt: string;
  readonly stale: boolean;
}

export interface CommandRow {
  readonly route: string;
  readonly word: string;
  readonly age: string;
  readonly late: boolean;
  readonly progressCount: string;
  readonly progress: string;
}

export interface Table<Row> {
  readonly fields: Readonly<Record<string, string>>;
  readonly rows: readonly Row[];
}

/** What apply() changed, so the caller redraws or prints only what it must. */
export type Change = "traffic" | "tables" | "link" | undefined;

export class MonitorState {
  readonly traffic: TrafficLine[] = [];
  /** Copies and snapshot pages that never arrived. */
  lost = 0;
  /** The server's answer to MONITOR ON, once it came. */
  subscribed: string | undefined;
  /** The server's ERROR: to MONITOR ON, if it refused. */
  refused: string | undefined;
  /** Clock ms of the last datagram from the server (0: none yet). */
  lastHeard = 0;
  clients: Table<ClientRow> | undefined;
  commands: Table<CommandRow> | undefined;
  stats: Readonly<Record<string, string>> | undefined;
  private lastSeq = 0;
  private readonly building = new Map<SnapshotTopic, SnapshotPage[]>();

  apply(event: FeedEvent, now: number): Change {
    switch (event.kind) {
      case "copy":
        this.heard(event.seq, now);
        this.traffic.push({ at: now, direction: event.direction, text: event.text, cut: event.cut });
        if (this.traffic.length > TRAFFIC_KEPT) this.traffic.splice(0, this.traffic.length - TRAFFIC_KEPT);
        return "traffic";
      case "page":
        this.heard(event.seq, now);
        return this.addPage(event.topic, event.page) ? "tables" : undefined;
      case "subscribed": {
        this.lastHeard = now;
        const first = this.subscribed === undefined;
        this.subscribed = event.text;
        return first ? "link" : undefined;
      }
      case "refused":
        this.lastHeard = now;
        this.refused = event.text;
        return "link";
      default:
        return undefined;
    }
  }

  private heard(seq: number, now: number): void {
    this.lastHeard = now;
    // A smaller number: the server restarted and counts from 1 again.
    if (seq > this.lastSeq + 1 && this.lastSeq > 0) this.lost += seq - this.lastSeq - 1;
    this.lastSeq = seq;
  }

  /** Collect a snapshot's pages; true once the last one is in and the table is replaced. */
  private addPage(topic: SnapshotTopic, page: SnapshotPage): boolean {
    const pages = page.from === undefined ? [] : this.building.get(topic);
    if (!pages) return false; // the first page was lost: wait for the next snapshot
    pages.push(page);
    this.building.set(topic, pages);
    if (page.next !== undefined) return false;
    this.building.delete(topic);
    const fields: Record<string, string> = Object.assign({}, ...pages.map((p) => p.fields));
    const items = pages.flatMap((p) => p.items.map((key) => [key, p.fields[key] ?? ""] as const));
    if (topic === "LIVENESS") this.clients = { fields, rows: items.map(([key, v]) => clientRow(key, v)) };
    else if (topic === "INFLIGHT") this.commands = { fields, rows: items.map(([key, v]) => commandRow(v, fields[`p${key.slice(1)}`] ?? "")) };
    else this.stats = fields;
    return true;
  }
}

/** `label:value` fields of an item, after its positional ones. */
function labelled(parts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parts) {
    const colon = p.indexOf(":");
    if (colon > 0) out[p.slice(0, colon)] = p.slice(colon + 1);
  }
  return out;
}

function clientRow(key: string, value: string): ClientRow {
  // B1,udp:127.0.0.1:2000,idle:1.500,in:1,out:2,rtt:-,ok
  const parts = value.split(",");
  const l = labelled(parts.slice(2));
  const via = parts[1] ?? "";
  const colon = via.indexOf(":");
  return {
    slot: Number(key.slice(1)),
    name: parts[0] ?? "",
    via: colon === -1 ? via : `${via.slice(0, colon)} ${via.slice(colon + 1)}`,
    idle: l.idle ?? "",
    messagesIn: l.in ?? "",
    messagesOut: l.out ?? "",
    rtt: l.rtt ?? "-",
    stale: parts[parts.length - 1] === "stale",
  };
}

function commandRow(value: string, progress: string): CommandRow {
  // A1>B1,FILTER,age:0.250,ok,status:1
  const parts = value.split(",");
  const l = labelled(parts.slice(2));
  return {
    route: parts[0] ?? "",
    word: parts[1] ?? "",
    age: l.age ?? "",
    late: parts.includes("late"),
    progressCount: l.status ?? "0",
    progress,
  };
}
