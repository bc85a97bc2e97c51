// What the server routed lately and where, so that a message coming back
// unchanged from where it was just sent is known for a loop: a UDP echo
// service registered as a client, or a second server that routes the name
// back to this one (two servers each holding the other's address for it).
// Either would move the sender's route to the reflector and circle at line
// rate. Only messages whose sender is known at another address are looked
// up (a move, rare), so the message path pays three array stores per route.
import { type Endpoint, sameEndpoint } from "../shared/endpoint.ts";

/** Routed messages remembered: at 50,000 routes/s, the last 20 ms; a reflection on loopback takes well under one. */
const REMEMBERED = 1024;
/** How long a routed message can come back as a reflection. */
const RETURN_MS = 5_000;

export class Returns {
  private readonly texts: Array<string | undefined> = new Array(REMEMBERED).fill(undefined);
  /** Where each went; undefined for a broadcast (it went everywhere). */
  private readonly targets: Array<Endpoint | undefined> = new Array(REMEMBERED).fill(undefined);
  private readonly times = new Float64Array(REMEMBERED);
  private next = 0;

  /** `wire` was routed to `to` (undefined: broadcast to everyone) at `now`. */
  routed(to: Endpoint | undefined, wire: string, now: number): void {
    const i = this.next;
    this.texts[i] = wire;
    this.targets[i] = to;
    this.times[i] = now;
    this.next = i + 1 === REMEMBERED ? 0 : i + 1;
  }

  /**
   * Is `wire`, arriving from `from` at `now`, a message the server routed
   * there in the last RETURN_MS, or broadcast while `from` was a client's
   * address (`fromClient`: an agent restarted on a new port and announcing
   * itself as it did a moment ago is not a reflection)?
   */
  cameBack(wire: string, from: Endpoint, fromClient: boolean, now: number): boolean {
    for (let i = 0; i < REMEMBERED; i++) {
      if (this.texts[i] !== wire || now - (this.times[i] as number) > RETURN_MS) continue;
      const to = this.targets[i];
      if (to === undefined ? fromClient : sameEndpoint(to, from)) return true;
    }
    return false;
  }
}
