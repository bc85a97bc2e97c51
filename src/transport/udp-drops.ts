// How many datagrams the kernel dropped in front of our socket because we
// did not read fast enough: the last column of /proc/net/udp (Linux). It is
// the one signal that tells a flood (others' messages being lost) from a
// client that is only fast, so the flood guard arms on it.
import { readFile } from "node:fs/promises";

/** The drops counter of the IPv4 UDP socket bound to `port`, from /proc/net/udp text; undefined if absent. */
export function dropsForPort(procNetUdp: string, port: number): number | undefined {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let total: number | undefined;
  for (const line of procNetUdp.split("\n")) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (fields.length < 13 || !fields[1]?.endsWith(suffix) || fields[2] !== "00000000:0000") continue;
    const drops = Number(fields[fields.length - 1]);
    if (Number.isFinite(drops)) total = (total ?? 0) + drops;
  }
  return total;
}

/** Read the counter now; undefined when /proc/net/udp cannot be read or has no such socket. */
export async function readUdpDrops(port: number, path = "/proc/net/udp"): Promise<number | undefined> {
  try {
    return dropsForPort(await readFile(path, "latin1"), port);
  } catch {
    return undefined;
  }
}
