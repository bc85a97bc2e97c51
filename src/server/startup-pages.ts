// After start, give back the pages of the binary that only starting needed.
//
// Nearly all of the server's resident memory is the compiled binary itself:
// the Bun runtime's code and the bundle, mapped from the file (RssFile ~40
// MB, RssAnon ~6 MB, measured by bench/idle.ts). Starting touches far more
// of that code than serving does: the module loader, the config parser,
// bun:ffi's C compiler, the JIT tiers warming up, node:fs, node:os. Those
// pages are clean copies of the file, so the kernel may drop them from this
// process at any time and read them back on use; madvise(MADV_PAGEOUT)
// asks it to do so now for the binary's read-only mappings (never a
// writable one, whose pages may hold our changes). What serving uses comes
// back on the next datagrams as minor faults from the page cache.
import { dlopen, FFIType } from "bun:ffi";
import { readFile } from "node:fs/promises";

const MADV_PAGEOUT = 21;

/** Read-only mappings of `path` in /proc/self/maps text: [start, length] pairs. */
export function readOnlyMappings(maps: string, path: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const line of maps.split("\n")) {
    const [range = "", perms = "", , , , file = ""] = line.trim().split(/\s+/);
    if (file !== path || perms[1] === "w" || perms[3] !== "p") continue;
    const [from, to] = range.split("-").map((h) => Number.parseInt(h, 16));
    if (from !== undefined && to !== undefined && to > from) ranges.push([from, to - from]);
  }
  return ranges;
}

/** Page out the binary's read-only pages; how many bytes were advised, or why none. */
export async function releaseStartupPages(execPath: string = process.execPath): Promise<number | string> {
  if (process.platform !== "linux") return "not Linux";
  let madvise: (addr: number, length: number, advice: number) => number;
  try {
    const { symbols } = dlopen("libc.so.6", { madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    madvise = (addr, length, advice) => symbols.madvise(addr, length, advice);
  } catch (error) {
    return `no libc: ${(error as Error).message}`;
  }
  const ranges = readOnlyMappings(await readFile("/proc/self/maps", "utf8"), execPath);
  let advised = 0;
  for (const [start, length] of ranges) if (madvise(start, length, MADV_PAGEOUT) === 0) advised += length;
  return advised;
}
