// Where a message came from or goes to. The core only compares and names
// endpoints; transports are the ones that know how to reach them.

export interface UdpEndpoint {
  readonly kind: "udp";
  /** The dotted quad. */
  readonly address: string;
  readonly port: number;
  /**
   * The same address as a number, first byte highest (127.0.0.1 is
   * 0x7f000001): what the batched transport writes into a sockaddr and what
   * network checks compare, so no datagram turns text into a number.
   */
  readonly ipv4: number;
}

export interface SerialEndpoint {
  readonly kind: "serial";
  /** Index of the port in the config's TTYPort list (0-7). */
  readonly index: number;
  readonly device: string;
}

export type Endpoint = UdpEndpoint | SerialEndpoint;

/** One byte of a dotted quad: 0-255, no leading zero (as node:net's isIPv4 has it). */
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)";
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * Is `text` a dotted IPv4 address? The same answer as node:net's isIPv4,
 * without loading node:net (some 5 MB resident in a compiled server that
 * needs nothing else of it).
 */
export const isIPv4 = (text: string): boolean => DOTTED_QUAD.test(text);

/** The number of a dotted IPv4 address (already checked with isIPv4), first byte highest. */
export function ipv4Value(address: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else {
      part = part * 10 + (c - 48);
    }
  }
  return (value * 256 + part) >>> 0;
}

/** The dotted quad of an ipv4Value. */
export const formatIpv4 = (ipv4: number): string => `${ipv4 >>> 24}.${(ipv4 >>> 16) & 255}.${(ipv4 >>> 8) & 255}.${ipv4 & 255}`;

/** An endpoint for a dotted IPv4 address (callers check it with isIPv4 first). */
export const udpEndpoint = (address: string, port: number): UdpEndpoint => ({ kind: "udp", address, port, ipv4: ipv4Value(address) });

/**
 * Endpoints of the UDP peers heard from, one object per address and port,
 * reused for each datagram they send: the message path then makes no
 * endpoint per message, and the transport finds a peer by the numbers a
 * batched read gives it. Bounded, so a sender that rotates ports cannot grow it.
 */
export class UdpEndpoints {
  private readonly byKey = new Map<number, UdpEndpoint>();

  constructor(private readonly limit = 4096) {}

  /** Peers remembered now. */
  get size(): number {
    return this.byKey.size;
  }

  /** The endpoint of ipv4:port (its dotted quad made once). */
  of(ipv4: number, port: number): UdpEndpoint {
    const key = ipv4 * 65536 + port;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    if (this.byKey.size >= this.limit) this.byKey.clear();
    const endpoint: UdpEndpoint = { kind: "udp", address: formatIpv4(ipv4), port, ipv4 };
    this.byKey.set(key, endpoint);
    return endpoint;
  }

  /** The endpoint of a dotted quad and port, as Bun names a sender. */
  ofText(address: string, port: number): UdpEndpoint {
    return this.of(ipv4Value(address), port);
  }
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === "udp") return b.kind === "udp" && a.port === b.port && a.ipv4 === b.ipv4;
  return b.kind === "serial" && a.index === b.index;
}

/** `127.0.0.1:10901` or `/dev/ttyS0`, as the old server's log lines name them. */
export const describeEndpoint = (e: Endpoint): string => (e.kind === "udp" ? `${e.address}:${e.port}` : e.device);
