// Reading the config file, the instrument table and the state file: only a
// regular file, only up to a size limit, only within a time limit, on real
// files, a real FIFO, /dev/zero and a real hung (FUSE) mount.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSmallFile } from "../../src/shared/read-file.ts";
import { spawnWithHungMount, whyNoHungMount } from "../helpers/hung-mount.ts";
import { makeTempDir } from "../helpers/server.ts";

const dir = makeTempDir("isis-read-file-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const limits = { maxBytes: 4096, timeoutMs: 2000 };

describe("readSmallFile", () => {
  test("a regular file (or a symlink to one) is read whole", async () => {
    const path = join(dir, "isis.ini");
    writeFileSync(path, "ServerID IS\n");
    symlinkSync(path, join(dir, "link.ini"));
    for (const p of [path, join(dir, "link.ini")]) {
      const read = await readSmallFile(p, limits);
      expect(read.ok && new TextDecoder().decode(read.bytes)).toBe("ServerID IS\n");
    }
  });

  test("a FIFO, a character device, a directory: refused at once, saying what it is", async () => {
    const fifo = join(dir, "fifo.ini");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const cases = [
      [fifo, "not a regular file (a FIFO)"],
      ["/dev/zero", "not a regular file (a character device)"],
      [dir, "not a regular file (a directory)"],
    ] as const;
    for (const [path, reason] of cases) {
      const t0 = performance.now();
      expect(await readSmallFile(path, limits)).toEqual({ ok: false, reason, missing: false });
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });

  test("a file over the size limit is refused, not read", async () => {
    const path = join(dir, "big.ini");
    writeFileSync(path, "#".repeat(4097));
    expect(await readSmallFile(path, limits)).toEqual({ ok: false, reason: "4097 bytes, over the limit of 4096", missing: false });
    writeFileSync(path, "#".repeat(4096));
    expect((await readSmallFile(path, limits)).ok).toBe(true);
  });

  test("a missing file says so, and is marked missing for callers with a default", async () => {
    expect(await readSmallFile(join(dir, "nope.ini"), limits)).toEqual({ ok: false, reason: "no such file", missing: true });
  });

  const noMount = whyNoHungMount();
  test.skipIf(noMount !== undefined)(
    `a hung mount: given up after the time limit, then further reads refused at once until it returns${noMount ? ` (skipped: ${noMount})` : ""}`,
    async () => {
      const mount = join(dir, "hung");
      mkdirSync(mount);
      const good = join(dir, "good.ini");
      writeFileSync(good, "ServerID IS\n");
      const run = spawnWithHungMount(mount, [process.execPath, join(import.meta.dir, "read-hung.ts"), join(mount, "isis.ini"), good]);
      const steps: Record<string, { ok: boolean; reason?: string; ms?: number; text?: string }> = {};
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of run.proc.stdout) {
        partial += decoder.decode(chunk, { stream: true });
        for (let nl = partial.indexOf("\n"); nl !== -1; nl = partial.indexOf("\n")) {
          const { step, value } = JSON.parse(partial.slice(0, nl));
          partial = partial.slice(nl + 1);
          steps[step] = value;
          if (step === "refused") await run.release();
        }
      }
      expect(await run.proc.exited).toBe(0);
      expect(steps.hung).toMatchObject({ ok: false, reason: "no answer within 0.3 s (a hung file system?)" });
      expect(steps.hung?.ms).toBeGreaterThanOrEqual(290);
      expect(steps.refused?.reason).toMatch(/^not read: an earlier read of .*\/hung\/isis\.ini, started 0 s ago, has not returned \(a hung file system\?\)$/);
      expect(steps.refused?.ms).toBeLessThan(100);
      expect(steps.free).toEqual({ ok: true, text: "ServerID IS\n" });
    },
  );
});
