// The runtime log file removed or replaced under the server (rm, logrotate
// without copytruncate): the path is opened again on verify() (SIGHUP,
// RESTART, +LOG, STATUS) and by the writer itself, before a write, once a
// minute has passed since it last looked. Real files, an injected clock.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeLog } from "../../src/log/runtime-log.ts";
import { makeTempDir } from "../helpers/server.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function makeLog(root?: string) {
  const dir = makeTempDir("isis-log-reopen-");
  dirs.push(dir);
  let now = Date.parse("2025-09-15T14:03:22.123Z");
  const log = new RuntimeLog({ root: root ?? join(dir, "isis"), utc: true, serverId: "IS", enabled: true, clock: () => now, flushDelayMs: 1 });
  return { log, path: join(dir, "isis.20250915.log"), dir, advance: (ms: number) => (now += ms) };
}

const BANNER = /^------------------------------\nIS runtime log \(re\)started at UTC \S+\n/;

describe("a log file that vanished", () => {
  test("removed: verify() opens the path again, the new file says why, nothing is lost after it", async () => {
    const { log, path, advance } = makeLog();
    log.write("before");
    await log.flush();
    rmSync(path);
    advance(5);
    log.write("after");
    await log.verify();
    advance(5);
    await log.flush();
    const text = readFileSync(path, "latin1");
    // Stamped no later than the entries after it (the clock moved on before the write): stamps never go back.
    expect(text).toContain("2025-09-15T14:03:22.128000 Runtime log reopened:");
    expect(text).toContain("2025-09-15T14:03:22.128000 after");
    expect(text).toMatch(BANNER);
    expect(text).toContain(` Runtime log reopened: ${path} was removed\n`);
    expect(text).toEndWith(" after\n");
    expect(text).not.toContain("before");
    expect(log.down).toBeUndefined();
    await log.close();
  });

  test("rotated away (renamed, a new file at the path): the entries go to the new file, the rotated one keeps the old", async () => {
    const { log, path } = makeLog();
    log.write("old");
    await log.flush();
    renameSync(path, `${path}.1`);
    writeFileSync(path, "");
    await log.verify();
    log.write("new");
    await log.close();
    expect(readFileSync(`${path}.1`, "latin1")).toEndWith(" old\n");
    const text = readFileSync(path, "latin1");
    expect(text).toContain(` Runtime log reopened: ${path} was replaced by another file\n`);
    expect(text).toEndWith(" new\n");
  });

  test("by itself: the writer looks again before a write once a minute has passed, not sooner", async () => {
    const { log, path, advance } = makeLog();
    log.write("first");
    await log.flush();
    rmSync(path);
    advance(30_000);
    log.write("at 30 s: into the removed file still");
    await log.flush();
    expect(existsSync(path)).toBe(false);
    advance(30_001);
    log.write("at 60 s: the path again");
    await log.flush();
    const text = readFileSync(path, "latin1");
    expect(text).toContain("was removed");
    expect(text).toEndWith(" at 60 s: the path again\n");
    await log.close();
  });

  test("an unchanged file is kept open: verify() writes no banner", async () => {
    const { log, path } = makeLog();
    log.write("one");
    await log.flush();
    await log.verify();
    log.write("two");
    await log.close();
    expect(readFileSync(path, "latin1").match(/runtime log \(re\)started/g)).toHaveLength(1);
  });

  test("a log that cannot be written says so (STATUS: LogDown=unwritable), and stops saying so once it can", async () => {
    const { log, dir } = makeLog();
    const blocked = makeLog(join(dir, "a-file", "isis"));
    writeFileSync(join(dir, "a-file"), "not a directory");
    blocked.log.write("lost");
    await blocked.log.flush();
    expect(blocked.log.down).toBe("unwritable");
    rmSync(join(dir, "a-file"));
    blocked.log.write("kept");
    await blocked.log.flush();
    expect(blocked.log.down).toBeUndefined();
    const text = readFileSync(join(dir, "a-file", "isis.20250915.log"), "latin1");
    expect(text).toContain(" kept\n");
    expect(text).toContain(" Runtime log lost ");
    blocked.log.setEnabled(false);
    expect(blocked.log.down).toBeUndefined();
    await Promise.all([log.close(), blocked.log.close()]);
  });
});
