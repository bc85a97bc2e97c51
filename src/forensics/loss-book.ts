// What the server could not deliver and the loops it cut, as its loss and
// loop lines tell it: per destination, how much and why; per kind of loop,
// how often. Bounded like every book of the replay. Also: which routed
// request a loss line was (its sender gets an ERROR, and the server closes
// the command), read back from the quoted start of the datagram.
import { bodyInfo, isRequest } from "../protocol/body-kind.ts";
import { isBroadcast, isReply, parseMessage } from "../protocol/message.ts";
import { stampOf } from "./facts.ts";
import type { LossDestination, LossSummary, Summary } from "./summary.ts";

const MAX_DESTINATIONS = 1024;
const MAX_REASONS = 16;

type LossEvent = "unreachable" | "not-sent" | "port";

interface Destination {
  address: string | null;
  count: number;
  unreachable: number;
  notSent: number;
  port: number;
  readonly first: number;
  last: number;
  readonly reasons: Map<string, number>;
}

export class LossBook {
  private readonly byDest = new Map<string, Destination>();
  private readonly totals = { total: 0, unreachable: 0, notSent: 0, port: 0 };
  private omitted = 0;

  /** One loss line. `dest`: the names the server gave, else the address, else `?`. */
  add(event: string, dest: string, address: string | null, reason: string, at: number): void {
    const kind = event as LossEvent;
    this.totals.total++;
    bump(this.totals, kind);
    let d = this.byDest.get(dest);
    if (!d) {
      if (this.byDest.size >= MAX_DESTINATIONS) {
        this.omitted++;
        return;
      }
      d = { address, count: 0, unreachable: 0, notSent: 0, port: 0, first: at, last: at, reasons: new Map() };
      this.byDest.set(dest, d);
    }
    d.count++;
    bump(d, kind);
    d.last = at;
    if (address !== null) d.address = address;
    const known = d.reasons.get(reason);
    if (known !== undefined || d.reasons.size < MAX_REASONS) d.reasons.set(reason, (known ?? 0) + 1);
  }

  summary(): LossSummary {
    const destinations: LossDestination[] = [...this.byDest]
      .map(([dest, d]) => ({
        dest,
        address: d.address,
        count: d.count,
        unreachable: d.unreachable,
        notSent: d.notSent,
        port: d.port,
        first: stampOf(d.first),
        last: stampOf(d.last),
        reasons: Object.fromEntries(d.reasons),
      }))
      .sort((a, b) => b.count - a.count || (a.dest < b.dest ? -1 : 1));
    return { ...this.totals, destinations, destinationsOmitted: this.omitted };
  }
}

function bump(counts: { unreachable: number; notSent: number; port: number }, kind: LossEvent): void {
  if (kind === "unreachable") counts.unreachable++;
  else if (kind === "not-sent") counts.notSent++;
  else counts.port++;
}

/** Loops cut, by kind. */
export class LoopBook {
  private total = 0;
  private readonly kinds: Record<string, number> = {};
  private first: number | undefined;
  private last: number | undefined;

  add(kind: string, at: number): void {
    this.total++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    this.first ??= at;
    this.last = at;
  }

  summary(): Summary["loops"] {
    const stamp = (t: number | undefined) => (t === undefined ? null : stampOf(t));
    return { total: this.total, kinds: { ...this.kinds }, first: stamp(this.first), last: stamp(this.last) };
  }
}

/** A routed request a loss line quoted: its sender gets `ERROR: Cannot route to ...` next, and the command is closed. */
export interface LostRequest {
  readonly requester: string;
  readonly target: string;
  readonly word: string;
}

/**
 * The routed request in a loss line's quoted text (`'A1>B1 FILTER 2\x0d'`,
 * or `'...'... (N bytes)` when clipped), as the server judged it: not from
 * the server, not a broadcast, not a reply, a request with a command word.
 */
export function lostRequest(quoted: string, serverId: string): LostRequest | undefined {
  if (quoted.charCodeAt(0) !== 39) return undefined;
  const end = quoted.endsWith("'") ? quoted.length - 1 : quoted.lastIndexOf("'... (");
  if (end <= 0) return undefined;
  let text = quoted.slice(1, end);
  if (text.endsWith("\\x0d")) text = text.slice(0, -4);
  const parsed = parseMessage(`${text}\r`);
  if (!parsed.ok) return undefined;
  const { src, dest, body } = parsed.message;
  if (src === serverId || isBroadcast(dest) || isReply(body)) return undefined;
  const info = bodyInfo(body);
  return isRequest(info.kind) && info.word !== "" ? { requester: src, target: dest, word: info.word } : undefined;
}
