// What the kernel says about a test's server process and socket: memory
// (VmRSS, VmHWM) and the UDP drop counter of its port.
import { readFileSync } from "node:fs";
import { dropsForPort } from "../../src/transport/udp-drops.ts";

/** Resident and peak resident memory of a process, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Datagrams the kernel dropped for the UDP socket on this port (it could not be read fast enough). */
export function kernelDrops(port: number): number {
  return dropsForPort(readFileSync("/proc/net/udp", "latin1"), port) ?? 0;
}

/** A loopback UDP port that was free a moment ago (bound, then released). */
export async function freeUdpPort(): Promise<number> {
  const socket = await Bun.udpSocket({ hostname: "127.0.0.1" });
  const port = socket.port;
  socket.close();
  return port;
}

/** Two different loopback UDP ports free a moment ago (bound at once, so not the same, then released). */
export async function freeUdpPortPair(): Promise<[number, number]> {
  const [a, b] = await Promise.all([Bun.udpSocket({ hostname: "127.0.0.1" }), Bun.udpSocket({ hostname: "127.0.0.1" })]);
  const ports: [number, number] = [a.port, b.port];
  a.close();
  b.close();
  return ports;
}
