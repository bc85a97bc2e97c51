// Loops through the server itself, cut at their first turn: a datagram to or
// from the server's own socket, a message in the name of the server or AL
// arriving from outside (an echo service, a second server with the same ID),
// a serial port echoing what the server wrote there, and a routed message
// coming back unchanged from where it was routed (an echo service behind a
// client's name, a second server routing the name back here). Each loop cut is
// counted, logged every time, and reaches the journal once a minute per kind.
import { LOOP_NOT_SENT, LOOP_OWN_NAME, LOOP_OWN_SOCKET, LOOP_RETURNED, LOOP_SERIAL_ECHO } from "../protocol/log-grammar.ts";
import { isBroadcast } from "../protocol/message.ts";
import { describeEndpoint, type Endpoint, sameEndpoint } from "../shared/endpoint.ts";
import type { HostTable } from "./host-table.ts";
import { NoticeLimiter } from "./notice-limiter.ts";
import type { CoreEvents, ServerControl } from "./ports.ts";
import { preview } from "./preview.ts";
import { Returns } from "./returns.ts";
import { SerialEchoes } from "./serial-echoes.ts";

export type LoopKind = "own-socket" | "own-name" | "serial-echo" | "returned";

export interface LoopGuardDeps {
  readonly control: ServerControl;
  readonly hosts: HostTable;
  readonly counters: { loops: number };
  readonly events: CoreEvents;
  readonly clock: () => number;
  serverId(): string;
}

export class LoopGuard {
  private readonly echoes = new SerialEchoes();
  private readonly returns = new Returns();
  private readonly notices: NoticeLimiter;

  constructor(private readonly deps: LoopGuardDeps) {
    this.notices = new NoticeLimiter(deps.clock);
  }

  /** Before parsing: a datagram from the server's own socket, or a serial line the server just wrote there. True: cut. */
  cutArriving(raw: string, from: Endpoint): boolean {
    if (from.kind === "udp" ? !this.deps.control.isOwnEndpoint(from) : !this.echoes.isEcho(from.index, raw, this.deps.clock())) return false;
    this.cut(from.kind === "udp" ? "own-socket" : "serial-echo", raw, from, "from");
    return true;
  }

  /**
   * After parsing, before the host table: a message in the server's name or
   * AL's, or one arriving on a serial port for a client reached through that
   * same port (the port echoing it). True: cut.
   */
  cutMessage(src: string, dest: string, raw: string, from: Endpoint): boolean {
    if (src === this.deps.serverId() || isBroadcast(src)) return this.cut("own-name", raw, from, "from");
    if (from.kind !== "serial") return false;
    const e = this.deps.hosts.get(dest)?.endpoint;
    return e?.kind === "serial" && e.index === from.index && this.cut("serial-echo", raw, from, "from");
  }

  /**
   * After parsing, before the host table: a UDP message whose sender is known
   * elsewhere, arriving unchanged from where the server just routed it (or
   * from anyone, after a broadcast). A client's own repeated request comes
   * from its own address; one re-sent from a new port (another isisCmd run)
   * comes from where nothing was routed. True: cut.
   */
  cutReturned(src: string, wire: string, from: Endpoint, now: number): boolean {
    if (from.kind !== "udp") return false;
    const known = this.deps.hosts.get(src);
    if (known === undefined || sameEndpoint(known.endpoint, from)) return false;
    if (!this.returns.cameBack(wire, from, this.deps.hosts.at(from).length > 0, now)) return false;
    return this.cut("returned", wire, from, "from");
  }

  /** A message was routed to `to` (undefined: broadcast) at `now`: remembered, to know it if it comes back. */
  routed(to: Endpoint | undefined, wire: string, now: number): void {
    this.returns.routed(to, wire, now);
  }

  /**
   * Every datagram and serial line the core sends: never to the server's own
   * socket (it would route its own output again, forever), and each serial
   * line is remembered, so that its echo is known when it comes back. True: it may go.
   */
  mayGo(to: Endpoint, text: string): boolean {
    if (to.kind === "serial") {
      this.echoes.wrote(to.index, text, this.deps.clock());
      return true;
    }
    return !this.deps.control.isOwnEndpoint(to) || !this.cut("own-socket", text, to, "to");
  }

  private cut(kind: LoopKind, raw: string, where: Endpoint, direction: "from" | "to"): true {
    this.deps.counters.loops++;
    const fields = { address: describeEndpoint(where), text: preview(raw) };
    const line =
      kind === "own-socket"
        ? (direction === "to" ? LOOP_NOT_SENT : LOOP_OWN_SOCKET).format(fields)
        : kind === "own-name"
          ? LOOP_OWN_NAME.format(fields)
          : kind === "serial-echo"
            ? LOOP_SERIAL_ECHO.format(fields)
            : LOOP_RETURNED.format(fields);
    this.deps.events.log(line);
    const notice = this.notices.pass(`loop:${kind}`, line);
    if (notice) this.deps.events.notice("warning", notice);
    return true;
  }
}
