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

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === "udp") return b.kind === "udp" && a.port === b.port && a.address === b.address;
  return b.kind === "serial" && a.index === b.index;
}

/** `127.0.0.1:10901` or `/dev/ttyS0`, as the old server's log lines name them. */
export const describeEndpoint = (e: Endpoint): string => (e.kind === "udp" ? `${e.address}:${e.port}` : e.device);
