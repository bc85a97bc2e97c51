// The addresses a datagram can be sent to and reach this host: every
// 127.x.y.z, 0.0.0.0 (Linux delivers it locally), and each interface's
// address. With the server's port they name its own socket, which it must
// never send to or take a client for (a loop). Interfaces can change (DHCP,
// a cable), so the list is read again now and then, never per datagram.
import { networkInterfaces } from "node:os";
import { ipv4Value } from "../shared/endpoint.ts";

const REFRESH_MS = 10_000;

export class OwnAddresses {
  private addresses = new Set<number>();
  private readAt = Number.NEGATIVE_INFINITY;

  /** `clock`: monotonic ms. `list`: the host's IPv4 interface addresses (tests give their own). */
  constructor(
    private readonly clock: () => number = () => performance.now(),
    private readonly list: () => string[] = interfaceAddresses,
  ) {}

  /** Is this address (an ipv4Value) one of this host's? */
  has(ipv4: number): boolean {
    if (ipv4 >>> 24 === 127 || ipv4 === 0) return true;
    const now = this.clock();
    if (now - this.readAt >= REFRESH_MS) {
      this.readAt = now;
      this.addresses = new Set(this.list().map(ipv4Value));
    }
    return this.addresses.has(ipv4);
  }
}

function interfaceAddresses(): string[] {
  try {
    return Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => i.family === "IPv4")
      .map((i) => i.address);
  } catch {
    // No list to be had (a sandbox without netlink): loopback and 0.0.0.0 are still known.
    return [];
  }
}
