// The kernel's drop counter for our UDP socket, from /proc/net/udp.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { dropsForPort, readUdpDrops } from "../../src/transport/udp-drops.ts";

const SAMPLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  337: 0100007F:19C8 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 861234 2 0000000000000000 17
  412: 00000000:19C8 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 861235 2 0000000000000000 4242
  500: 0100007F:A1B2 0100007F:19C8 01 00000000:00000000 00:00000000 00000000     0        0 861236 2 0000000000000000 99
 1021: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 18000 2 0000000000000000 0
`;

describe("UDP drop counter", () => {
  test("sums the drops of sockets bound to the port, ignoring connected sockets talking to it", () => {
    expect(dropsForPort(SAMPLE, 0x19c8)).toBe(17 + 4242);
    expect(dropsForPort(SAMPLE, 0x44)).toBe(0);
    expect(dropsForPort(SAMPLE, 1234)).toBeUndefined();
  });

  test.if(existsSync("/proc/net/udp"))("reads a real socket's counter (0 for a fresh one)", async () => {
    const socket = await Bun.udpSocket({ hostname: "127.0.0.1" });
    expect(await readUdpDrops(socket.port)).toBe(0);
    socket.close();
    expect(await readUdpDrops(socket.port, "/nonexistent")).toBeUndefined();
  });
});
