import { describe, expect, test } from "bun:test";
import { describePin, type Network, type PinTarget, parseNetwork, parsePinTarget } from "../../src/config/access-values.ts";
import { execAllowed, inNetworks, mayClaim } from "../../src/core/access.ts";
import { udpEndpoint } from "../../src/shared/endpoint.ts";

const net = (text: string): Network => {
  const n = parseNetwork(text);
  if (typeof n === "string") throw new Error(n);
  return n;
};
const pin = (text: string): PinTarget => {
  const p = parsePinTarget(text);
  if (typeof p === "string") throw new Error(p);
  return p;
};
const serial = (index: number, device = `/dev/ttyS${index}`) => ({ kind: "serial" as const, index, device });

describe("networks", () => {
  test("an address is in a network when its prefix matches", () => {
    const lab = [net("192.168.139.0/24"), net("127.0.0.0/8")];
    expect(inNetworks("192.168.139.130", lab)).toBe(true);
    expect(inNetworks("127.5.6.7", lab)).toBe(true);
    expect(inNetworks("192.168.140.1", lab)).toBe(false);
    expect(inNetworks("10.0.0.1", lab)).toBe(false);
  });

  test("a bare address is a /32; /0 is everything; host bits in the network are ignored", () => {
    expect(inNetworks("10.1.2.3", [net("10.1.2.3")])).toBe(true);
    expect(inNetworks("10.1.2.4", [net("10.1.2.3")])).toBe(false);
    expect(inNetworks("203.0.113.9", [net("0.0.0.0/0")])).toBe(true);
    expect(inNetworks("10.9.9.9", [net("10.200.1.1/8")])).toBe(true);
    expect(inNetworks("255.255.255.255", [net("255.255.255.255/32")])).toBe(true);
  });

  test("anything else is a reason", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "lbt.example", "10.0.0.0/x", "::1", ""]) {
      expect(typeof parseNetwork(bad)).toBe("string");
    }
  });
});

describe("ExecAllow", () => {
  test("no ExecAllow (undefined) lets anyone send EXEC:, as the old server did", () => {
    expect(execAllowed(udpEndpoint("203.0.113.5", 1), undefined)).toBe(true);
  });

  test("with networks, only addresses inside them may; serial clients always may", () => {
    const allow = [net("10.0.0.0/8")];
    expect(execAllowed(udpEndpoint("10.2.3.4", 5000), allow)).toBe(true);
    expect(execAllowed(udpEndpoint("127.0.0.1", 5000), allow)).toBe(false);
    expect(execAllowed(serial(0), allow)).toBe(true);
    expect(execAllowed(serial(0), [])).toBe(true);
    expect(execAllowed(udpEndpoint("10.2.3.4", 5000), [])).toBe(false);
  });
});

describe("pins", () => {
  test("an address pin matches any port there; address:port only that port", () => {
    expect(mayClaim(new Map([["M1.IE", [pin("127.0.0.1")]]]), "M1.IE", udpEndpoint("127.0.0.1", 999))).toBe(true);
    const exact = new Map([["M1.IE", [pin("127.0.0.1:10700")]]]);
    expect(mayClaim(exact, "M1.IE", udpEndpoint("127.0.0.1", 10700))).toBe(true);
    expect(mayClaim(exact, "M1.IE", udpEndpoint("127.0.0.1", 10701))).toBe(false);
    expect(mayClaim(exact, "M1.IE", udpEndpoint("127.0.0.2", 10700))).toBe(false);
    expect(mayClaim(exact, "M1.IE", serial(0))).toBe(false);
  });

  test("ttyK pins a serial port by index, a path pins it by device; several pins are alternatives", () => {
    const pins = new Map([
      ["M1.IE", [pin("tty1")]],
      ["M1.CB", [pin("/dev/ttyUSB0"), pin("192.168.139.20")]],
    ]);
    expect(mayClaim(pins, "M1.IE", serial(1))).toBe(true);
    expect(mayClaim(pins, "M1.IE", serial(0))).toBe(false);
    expect(mayClaim(pins, "M1.IE", udpEndpoint("127.0.0.1", 1))).toBe(false);
    expect(mayClaim(pins, "M1.CB", serial(3, "/dev/ttyUSB0"))).toBe(true);
    expect(mayClaim(pins, "M1.CB", udpEndpoint("192.168.139.20", 7))).toBe(true);
    expect(mayClaim(pins, "M1.CB", serial(3, "/dev/ttyUSB1"))).toBe(false);
  });

  test("a name that is not pinned may be claimed from anywhere", () => {
    expect(mayClaim(new Map([["M1.IE", [pin("tty0")]]]), "M1.ENV", udpEndpoint("10.0.0.1", 1))).toBe(true);
  });

  test("targets are described as written, bad ones are reasons", () => {
    expect(["127.0.0.1", "127.0.0.1:10700", "tty0", "/dev/ttyS0"].map((t) => describePin(pin(t)))).toEqual([
      "127.0.0.1",
      "127.0.0.1:10700",
      "tty0",
      "/dev/ttyS0",
    ]);
    for (const bad of ["localhost", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:", "tty", "ttyS0"]) {
      expect(typeof parsePinTarget(bad)).toBe("string");
    }
  });
});
