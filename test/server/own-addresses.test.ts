import { expect, test } from "bun:test";
import { OwnAddresses } from "../../src/server/own-addresses.ts";
import { ipv4Value } from "../../src/shared/endpoint.ts";

test("this host's addresses are every 127.x.y.z, 0.0.0.0 and each interface's; the interface list is read again after 10 s", () => {
  let now = 0;
  let interfaces = ["192.168.139.130"];
  let reads = 0;
  const own = new OwnAddresses(
    () => now,
    () => {
      reads++;
      return interfaces;
    },
  );
  for (const address of ["127.0.0.1", "127.200.1.2", "0.0.0.0"]) expect(own.has(ipv4Value(address))).toBe(true);
  // Loopback and 0.0.0.0 need no list.
  expect(reads).toBe(0);
  expect(own.has(ipv4Value("192.168.139.130"))).toBe(true);
  expect(own.has(ipv4Value("192.168.139.131"))).toBe(false);
  expect(reads).toBe(1);
  // A DHCP lease changes the address: seen at the next read, not per datagram.
  interfaces = ["192.168.139.131"];
  now = 9_999;
  expect(own.has(ipv4Value("192.168.139.131"))).toBe(false);
  now = 10_000;
  expect(own.has(ipv4Value("192.168.139.131"))).toBe(true);
  expect(own.has(ipv4Value("192.168.139.130"))).toBe(false);
  expect(reads).toBe(2);
});

test("by default it reads the host's own interfaces", () => {
  expect(new OwnAddresses().has(ipv4Value("127.0.0.1"))).toBe(true);
  expect(new OwnAddresses().has(ipv4Value("203.0.113.9"))).toBe(false);
});
