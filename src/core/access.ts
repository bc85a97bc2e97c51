// Who may do what: the networks allowed to send executive (EXEC:) requests,
// and node names pinned to one address or serial port. Pure: matching an
// endpoint against the config's values (parsed in config/access-values.ts);
// the core decides what a refusal looks like. Fixes spec/server.md "Do better" 10.
import type { Network, PinTarget } from "../config/access-values.ts";
import { type Endpoint, ipv4Value, isIPv4 } from "../shared/endpoint.ts";

/** True when the address (dotted IPv4) is inside one of the networks. */
export function inNetworks(address: string, networks: readonly Network[]): boolean {
  return isIPv4(address) && valueInNetworks(ipv4Value(address), networks);
}

/** True when the address (an ipv4Value) is inside one of the networks. */
function valueInNetworks(value: number, networks: readonly Network[]): boolean {
  for (const n of networks) if ((value & n.mask) >>> 0 === n.base) return true;
  return false;
}

/**
 * May this endpoint send EXEC: requests? `allow` undefined (no ExecAllow
 * line) means anyone, as the old server allowed. Serial clients always may:
 * a serial line is physically wired to the instrument, not reachable from a
 * network.
 */
export function execAllowed(from: Endpoint, allow: readonly Network[] | undefined): boolean {
  if (allow === undefined || from.kind === "serial") return true;
  return valueInNetworks(from.ipv4, allow);
}

function pinMatches(pin: PinTarget, from: Endpoint): boolean {
  switch (pin.kind) {
    case "udp":
      return from.kind === "udp" && from.address === pin.address && (pin.port === undefined || pin.port === from.port);
    case "serial":
      return from.kind === "serial" && from.index === pin.index;
    case "device":
      return from.kind === "serial" && from.device === pin.device;
  }
}

/** May `from` use this name? True when the name is not pinned or one of its pins matches. */
export function mayClaim(pins: ReadonlyMap<string, readonly PinTarget[]>, name: string, from: Endpoint): boolean {
  const targets = pins.get(name);
  if (targets === undefined) return true;
  for (const t of targets) if (pinMatches(t, from)) return true;
  return false;
}
