// Releasing the pages only starting needed: the binary's read-only mappings
// are found in /proc/self/maps and paged out (in a child run from a private copy of the runtime).
import { expect, test } from "bun:test";
import { chmodSync, copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readOnlyMappings } from "../../src/server/startup-pages.ts";
import { makeTempDir } from "../helpers/server.ts";

const MAPS = `00200000-01a39000 r--p 00000000 fd:01 123 /usr/local/bin/isis
01a40000-0684a000 r-xp 01839000 fd:01 123 /usr/local/bin/isis
06867000-06d3d000 rw-p 06666000 fd:01 123 /usr/local/bin/isis
06d3d000-06e00000 rw-p 00000000 00:00 0
7f120a856000-7f120a9ac000 r-xp 00028000 fd:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
7f120b000000-7f120b001000 r--s 00000000 fd:01 123 /usr/local/bin/isis
`;

test("only the binary's private read-only mappings are taken: never a writable one, another file's, or a shared one", () => {
  expect(readOnlyMappings(MAPS, "/usr/local/bin/isis")).toEqual([
    [0x200000, 0x1a39000 - 0x200000],
    [0x1a40000, 0x684a000 - 0x1a40000],
  ]);
  expect(readOnlyMappings(MAPS, "/usr/local/bin/other")).toEqual([]);
});

// A page mapped by another process too stays (MADV_PAGEOUT leaves shared
// pages alone), and every test runner on this machine maps the same Bun: the
// check runs in a child started from a private copy of the runtime.
test.if(process.platform === "linux")("paged out, the binary's resident file pages go, and the process runs on (they come back as used)", async () => {
  const dir = makeTempDir("isis-pageout-");
  try {
    const runtime = join(dir, "bun");
    copyFileSync(process.execPath, runtime);
    chmodSync(runtime, 0o755);
    const script = `
      import { readFileSync } from "node:fs";
      import { releaseStartupPages } from ${JSON.stringify(join(import.meta.dir, "../../src/server/startup-pages.ts"))};
      const fileKb = () => Number(/RssFile:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
      const before = fileKb();
      const advised = await releaseStartupPages(process.execPath);
      console.log(JSON.stringify({ before, advised, after: fileKb(), still: [1, 2, 3].map((n) => n * 2) }));
    `;
    const run = Bun.spawnSync([runtime, "-e", script], { stderr: "pipe", env: { ...process.env, BUN_BE_BUN: "1" } });
    expect(run.stderr.toString()).toBe("");
    const r = JSON.parse(run.stdout.toString()) as { before: number; advised: number; after: number; still: number[] };
    expect(r.advised).toBeGreaterThan(10 * 1024 * 1024);
    expect(r.after).toBeLessThan(r.before / 2);
    expect(r.still).toEqual([2, 4, 6]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
