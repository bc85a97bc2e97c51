// Loops through the server itself, cut at their first turn: a datagram to or
// from the server's own socket, a message in the name of the server or AL
// arriving from outside (an echo service, a second server with the same ID),
// and a serial port echoing what the server wrote there. Each loop cut is
// counted, logged every time, and reaches the journal once a minute per kind.
import { LOOP_NOT_SENT, LOOP_OWN_NAME, LOOP_OWN_SOCKET, LOOP_SERIAL_ECHO } from "../protocol/log-grammar.ts";
import { isBroadcast } from "../protocol/message.ts";
import { describeEndpoint, type Endpoint } from "../shared/endpoint.ts";
import type { HostTable } from "./host-table.ts";
import { NoticeLimiter } from "./notice-limiter.ts";
import type { CoreEvents, ServerControl } from "./ports.ts";
import { preview } from "./preview.ts";
import { SerialEchoes } from "./serial-echoes.ts";

export type LoopKind = "own-socket" | "own-name" | "serial-echo";

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
    const note = kind === "own-socket" ? (direction === "to" ? LOOP_NOT_SENT : LOOP_OWN_SOCKET) : kind === "own-name" ? LOOP_OWN_NAME : LOOP_SERIAL_ECHO;
    const line = note.format({ address: describeEndpoint(where), text: preview(raw) });
    this.deps.events.log(line);
    const notice = this.notices.pass(`loop:${kind}`, line);
    if (notice) this.deps.events.notice("warning", notice);
    return true;
  }
}
