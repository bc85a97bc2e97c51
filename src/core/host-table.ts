// The host table: up to 32 clients, keyed by upper-cased node name, each in
// a numbered slot (the slot number shows in HOSTS and HOST replies).
import { type Endpoint, sameEndpoint } from "../shared/endpoint.ts";

export const MAX_HOSTS = 32;

export interface HostEntry {
  readonly name: string;
  readonly slot: number;
  endpoint: Endpoint;
  /** Clock time (ms) of the last message from this client. */
  lastHeard: number;
  /** Messages received from this client (LIVENESS). */
  messagesIn: number;
  /** Messages sent to this client: routed, replies, broadcasts (LIVENESS). */
  messagesOut: number;
  /** Put back from the state file at start, and not heard from since. */
  restored: boolean;
  /** Clock time (ms) since which datagrams to it come back unreachable (ICMP); undefined while none has since it was last heard. */
  unreachableSince: number | undefined;
  /** What the ICMP error said (`port unreachable`). */
  unreachableWhy: string;
  /** Datagrams to it that were not delivered: sent back unreachable, or refused by the kernel. */
  undelivered: number;
  /** PINGs the server sent it since it was last heard, and the clock time of the last. */
  unansweredPings: number;
  lastPingAt: number;
}

/** What touch() did: the sender was already known, is new, moved to a new endpoint, or could not be added. */
export enum Touch {
  Refreshed,
  Added,
  Moved,
  Full,
}

function newEntry(name: string, slot: number, endpoint: Endpoint, lastHeard: number, restored: boolean): HostEntry {
  return {
    name,
    slot,
    endpoint,
    lastHeard,
    messagesIn: restored ? 0 : 1,
    messagesOut: 0,
    restored,
    unreachableSince: undefined,
    unreachableWhy: "",
    undelivered: 0,
    unansweredPings: 0,
    lastPingAt: 0,
  };
}

export class HostTable {
  private readonly slots: Array<HostEntry | undefined> = new Array(MAX_HOSTS).fill(undefined);
  private readonly byName = new Map<string, HostEntry>();
  /** The entry the last touch() refreshed, moved or added (saves the caller a second lookup). */
  touched: HostEntry | undefined;

  /** `onChange` is called when a client is added, moves or is removed (the state file, housekeeping); not on a mere refresh. */
  constructor(private readonly onChange: () => void = () => {}) {}

  get size(): number {
    return this.byName.size;
  }

  get full(): boolean {
    return this.byName.size >= MAX_HOSTS;
  }

  get(name: string): HostEntry | undefined {
    return this.byName.get(name);
  }

  /** Add or refresh a client heard from `endpoint` at `now`. Names must already be upper case. */
  touch(name: string, endpoint: Endpoint, now: number): Touch {
    const known = this.byName.get(name);
    this.touched = known;
    if (known) {
      known.lastHeard = now;
      known.messagesIn++;
      known.restored = false;
      known.unansweredPings = 0;
      if (sameEndpoint(known.endpoint, endpoint)) return Touch.Refreshed;
      known.endpoint = endpoint;
      this.onChange();
      return Touch.Moved;
    }
    const slot = this.slots.indexOf(undefined);
    if (slot === -1) return Touch.Full;
    const entry = newEntry(name, slot, endpoint, now, false);
    this.slots[slot] = entry;
    this.byName.set(name, entry);
    this.touched = entry;
    this.onChange();
    return Touch.Added;
  }

  remove(name: string): boolean {
    const entry = this.byName.get(name);
    if (!entry) return false;
    this.byName.delete(name);
    this.slots[entry.slot] = undefined;
    this.onChange();
    return true;
  }

  /** Clients in slot order. */
  entries(): HostEntry[] {
    return this.slots.filter((e): e is HostEntry => e !== undefined);
  }

  /** Clients whose endpoint is `endpoint` (usually one; two names may share a socket). */
  at(endpoint: Endpoint): HostEntry[] {
    return this.slots.filter((e): e is HostEntry => e !== undefined && sameEndpoint(e.endpoint, endpoint));
  }

  /** Restore an entry into a given slot (state file reload); false if the slot or name is taken. */
  restore(name: string, slot: number, endpoint: Endpoint, lastHeard: number): boolean {
    if (slot < 0 || slot >= MAX_HOSTS || this.slots[slot] || this.byName.has(name)) return false;
    const entry = newEntry(name, slot, endpoint, lastHeard, true);
    this.slots[slot] = entry;
    this.byName.set(name, entry);
    return true;
  }
}
