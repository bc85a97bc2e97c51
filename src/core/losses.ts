// One place for every datagram that was not delivered (the UDP transport
// reports them: the kernel would not send one, or an ICMP error came back
// for one): counted, logged with its text (so the runtime log never has it
// only as sent), the clients at that endpoint marked unreachable (logged once,
// and once more when heard from again), and the sender of a lost routed
// request told with an ERROR instead of waiting for an answer that cannot come.
import { bodyInfo, isReply, isRequest } from "../protocol/body-kind.ts";
import {
  CLIENT_REACHABLE,
  CLIENT_UNREACHABLE,
  NOT_DELIVERED,
  NOT_DELIVERED_NOBODY,
  NOT_DELIVERED_UNNAMED,
  NOT_SENT,
  NOT_SENT_NOBODY,
} from "../protocol/log-grammar.ts";
import { isBroadcast, parseMessage } from "../protocol/message.ts";
import { describeEndpoint, type Endpoint, sameEndpoint, type UdpEndpoint } from "../shared/endpoint.ts";
import type { HostEntry, HostTable } from "./host-table.ts";
import type { InFlight } from "./in-flight.ts";
import type { CoreEvents } from "./ports.ts";
import { preview } from "./preview.ts";

export interface LossesDeps {
  readonly hosts: HostTable;
  readonly counters: { dropped: number; notSent: number; unreachable: number };
  readonly events: CoreEvents;
  readonly clock: () => number;
  readonly inFlight: InFlight;
  serverId(): string;
  /** Send `IS>to body` to a client (the ERROR for a lost request's sender). */
  reply(to: string, endpoint: Endpoint, body: string): void;
}

export class Losses {
  constructor(private readonly deps: LossesDeps) {}

  /** The kernel would not send `text` to `to`, even after retries. */
  notSent(to: UdpEndpoint, text: string, reason: string): void {
    this.deps.counters.notSent++;
    this.lost(to, text, reason, false);
  }

  /**
   * An ICMP error came back for a datagram sent to `to` (undefined when the
   * report did not say where): the client there is unreachable from now
   * until it is heard from again. `payload` is the start of the datagram.
   */
  unreachable(to: UdpEndpoint | undefined, reason: string, payload: string): void {
    this.deps.counters.unreachable++;
    this.lost(to, payload, reason, true);
  }

  /** A client marked unreachable spoke (from anywhere): it is reachable again. */
  heardAgain(entry: HostEntry, now: number): void {
    const after = ((now - (entry.unreachableSince as number)) / 1000).toFixed(3);
    entry.unreachableSince = undefined;
    this.deps.events.log(CLIENT_REACHABLE.format({ name: entry.name, address: describeEndpoint(entry.endpoint), seconds: after }), now);
  }

  private lost(to: UdpEndpoint | undefined, text: string, reason: string, returned: boolean): void {
    const { counters, events, hosts } = this.deps;
    counters.dropped++;
    const now = this.deps.clock();
    const clients = to ? hosts.at(to) : [];
    for (const entry of clients) {
      entry.undelivered++;
      if (!returned || entry.unreachableSince !== undefined) continue;
      entry.unreachableSince = now;
      entry.unreachableWhy = reason;
      events.log(CLIENT_UNREACHABLE.format({ name: entry.name, address: describeEndpoint(entry.endpoint), reason }), now);
    }
    events.log(lossLine(to, clients, text, reason, returned), now);
    if (to && text !== "") this.tellSender(text, to, returned ? `is unreachable (${reason})` : `refused the datagram (${reason})`, now);
  }

  /** Only for a routed request: never for the server's own messages, broadcasts or replies (no error answers an error). */
  private tellSender(text: string, to: UdpEndpoint, what: string, now: number): void {
    const parsed = parseMessage(text);
    if (!parsed.ok) return;
    const { src, dest, body } = parsed.message;
    if (src === this.deps.serverId() || isBroadcast(dest) || isReply(body)) return;
    const info = bodyInfo(body);
    if (!isRequest(info.kind)) return;
    const sender = this.deps.hosts.get(src);
    if (!sender || sameEndpoint(sender.endpoint, to)) return;
    this.deps.inFlight.finish(dest, src, info.word, "ERROR", now);
    this.deps.reply(src, sender.endpoint, `ERROR: Cannot route to ${dest} - ${describeEndpoint(to)} ${what}`);
  }
}

/** The runtime log's line for one datagram not delivered (log-grammar.ts: kind `loss`). */
function lossLine(to: UdpEndpoint | undefined, clients: readonly HostEntry[], text: string, reason: string, returned: boolean): string {
  // Bun read the report first and kept only its errno: no address, no text.
  if (!to) return NOT_DELIVERED_UNNAMED.format({ reason: text === "" ? reason : `${reason}: ${preview(text)}` });
  const address = describeEndpoint(to);
  const quoted = preview(text);
  if (clients.length === 0) return (returned ? NOT_DELIVERED_NOBODY : NOT_SENT_NOBODY).format({ address, reason, text: quoted });
  return (returned ? NOT_DELIVERED : NOT_SENT).format({ address, names: clients.map((e) => e.name).join(" "), reason, text: quoted });
}
