// The values of the access keywords (ExecAllow, Pin): IPv4 networks and the
// places a pinned node name may speak from, parsed from the config file and
// named again in messages. Matching an endpoint against them is the core's
// (core/access.ts).
import { ipv4Value, isIPv4 } from "../shared/endpoint.ts";

/** An IPv4 network, as 32-bit numbers: an address belongs to it when (address & mask) === base. */
export interface Network {
  readonly base: number;
  readonly mask: number;
  /** As written in the config, for messages. */
  readonly text: string;
}

/** Where a pinned node name may speak from. */
export type PinTarget =
  | { readonly kind: "udp"; readonly address: string /** undefined: any port on that address. */; readonly port: number | undefined }
  | { readonly kind: "serial"; readonly index: number }
  | { readonly kind: "device"; readonly device: string };

/** `10.0.0.0/8`, or a single address (`/32`). A reason string when it is not one. */
export function parseNetwork(text: string): Network | string {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const bitsText = slash === -1 ? "32" : text.slice(slash + 1);
  if (!isIPv4(address)) return `'${text}' is not an IPv4 address or network (like 192.168.139.0/24)`;
  if (!/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) return `'${text}' has a bad prefix length (0-32)`;
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = (ipv4Value(address) & mask) >>> 0;
  return { base, mask, text };
}

/** `127.0.0.1`, `127.0.0.1:10700`, `tty0` (the first TTYPort) or a device path `/dev/ttyS0`. */
export function parsePinTarget(text: string): PinTarget | string {
  const tty = /^tty(\d)$/i.exec(text);
  if (tty) return { kind: "serial", index: Number(tty[1]) };
  if (text.startsWith("/")) return { kind: "device", device: text };
  const colon = text.lastIndexOf(":");
  const address = colon === -1 ? text : text.slice(0, colon);
  if (!isIPv4(address)) return `'${text}' is not an IPv4 address[:port], ttyK or a device path`;
  if (colon === -1) return { kind: "udp", address, port: undefined };
  const portText = text.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) return `'${text}' has a bad port (1-65535)`;
  return { kind: "udp", address, port };
}

export const describePin = (pin: PinTarget): string =>
  pin.kind === "udp" ? (pin.port === undefined ? pin.address : `${pin.address}:${pin.port}`) : pin.kind === "serial" ? `tty${pin.index}` : pin.device;
