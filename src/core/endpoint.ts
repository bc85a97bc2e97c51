// Where a message came from or goes to. The core only compares and names
// endpoints; transports are the ones that know how to reach them.

export interface UdpEndpoint {
  readonly kind: "udp";
  readonly address: string;
  readonly port: number;
}

export interface SerialEndpoint {
  readonly kind: "serial";
  /** Index of the port in the config's TTYPort list (0-7). */
  readonly index: number;
  readonly device: string;
}

export type Endpoint = UdpEndpoint | SerialEndpoint;

export const udpEndpoint = (address: string, port: number): UdpEndpoint => ({ kind: "udp", address, port });

/**
 * Endpoints of the UDP peers heard from, reused for each datagram they send:
 * the message path then makes no endpoint per message. Keyed by port (clients
 * rarely share one across hosts); bounded, so a sender that rotates ports
 * cannot grow it.
 */
export class UdpEndpoints {
  private readonly byPort = new Map<number, UdpEndpoint>();

  constructor(private readonly limit = 4096) {}

  /** Peers remembered now. */
  get size(): number {
    return this.byPort.size;
  }

  of(address: string, port: number): UdpEndpoint {
    const known = this.byPort.get(port);
    if (known !== undefined && known.address === address) return known;
    if (this.byPort.size >= this.limit) this.byPort.clear();
    const endpoint = udpEndpoint(address, port);
    this.byPort.set(port, endpoint);
    return endpoint;
  }
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === "udp") return b.kind === "udp" && a.port === b.port && a.address === b.address;
  return b.kind === "serial" && a.index === b.index;
}

/** `127.0.0.1:10901` or `/dev/ttyS0`, as the old server's log lines name them. */
export const describeEndpoint = (e: Endpoint): string => (e.kind === "udp" ? `${e.address}:${e.port}` : e.device);
