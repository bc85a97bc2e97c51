import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { RuntimeLog } from "../../src/log/runtime-log.ts";
import { makeTempDir } from "../helpers/server.ts";

const at = (iso: string) => Date.parse(`${iso}Z`);

function makeLog(options: { utc?: boolean; root?: string } = {}) {
  const dir = makeTempDir("isis-log-");
  let now = at("2025-09-15T14:03:22.123");
  const problems: string[] = [];
  const log = new RuntimeLog({
    root: options.root ?? join(dir, "logs", "isis"),
    utc: options.utc ?? true,
    serverId: "IS",
    enabled: true,
    clock: () => now,
    onProblem: (_priority, m) => problems.push(m),
  });
  return { dir, log, problems, set: (iso: string) => (now = at(iso)) };
}

describe("RuntimeLog", () => {
  test("writes the banner and timestamped entries to ROOT.CCYYMMDD.log, mode 0644", async () => {
    const { dir, log } = makeLog();
    log.write("A1>IS PING");
    log.write("IS>A1 PONG");
    await log.close();
    const path = join(dir, "logs", "isis.20250915.log");
    expect(readFileSync(path, "utf8")).toBe(
      "------------------------------\n" +
        "IS runtime log (re)started at UTC 2025-09-15T14:03:22.123000\n" +
        "2025-09-15T14:03:22.123000 A1>IS PING\n" +
        "2025-09-15T14:03:22.123000 IS>A1 PONG\n",
    );
    expect(statSync(path).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  test("rolls over to a new file with a banner when the date changes", async () => {
    const { dir, log, set } = makeLog();
    set("2025-09-15T23:59:59.999");
    log.write("last of the day");
    set("2025-09-16T00:00:00.000");
    log.write("first of the next");
    await log.close();
    expect(readFileSync(join(dir, "logs", "isis.20250915.log"), "utf8")).toEndWith("23:59:59.999000 last of the day\n");
    const next = readFileSync(join(dir, "logs", "isis.20250916.log"), "utf8");
    expect(next).toStartWith("------------------------------\nIS runtime log (re)started at UTC 2025-09-16T00:00:00.000000\n");
    expect(next).toEndWith("first of the next\n");
  });

  test("appends to an existing file, with a new banner", async () => {
    const first = makeLog();
    first.log.write("one");
    await first.log.close();
    const again = new RuntimeLog({ root: join(first.dir, "logs", "isis"), utc: true, serverId: "IS", enabled: true, clock: () => at("2025-09-15T15:00:00") });
    again.write("two");
    await again.close();
    const text = readFileSync(join(first.dir, "logs", "isis.20250915.log"), "utf8");
    expect(text.match(/runtime log \(re\)started/g)).toHaveLength(2);
    expect(text).toContain(" one\n");
    expect(text).toEndWith(" two\n");
  });

  test("-LOG writes nothing; +LOG starts again with a banner", async () => {
    const { dir, log } = makeLog();
    log.write("one");
    await log.flush();
    log.setEnabled(false);
    log.write("hidden");
    log.setEnabled(true);
    log.write("two");
    await log.close();
    const text = readFileSync(join(dir, "logs", "isis.20250915.log"), "utf8");
    expect(text).not.toContain("hidden");
    expect(text.match(/runtime log \(re\)started/g)).toHaveLength(2);
  });

  test("an unwritable log directory is reported once and never throws", async () => {
    // Tests run as root, which ignores directory permissions: a path under a
    // regular file fails for everyone.
    const dir = makeTempDir("isis-log-");
    const blocker = join(dir, "file");
    await Bun.write(blocker, "not a directory");
    const { log, problems } = makeLog({ root: join(blocker, "sub", "isis") });
    for (let i = 0; i < 100; i++) log.write(`entry ${i}`);
    await log.flush();
    log.write("more");
    await log.close();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("cannot write runtime log");
    expect(log.dropped).toBeGreaterThan(100);
  });

  test("a directory that becomes writable again is used, the recovery reported, and the loss written in the log", async () => {
    const dir = makeTempDir("isis-log-");
    const logs = join(dir, "logs");
    await Bun.write(logs, "in the way");
    const { log, problems } = makeLog({ root: join(logs, "isis") });
    log.write("lost");
    await log.flush();
    await Bun.file(logs).delete();
    mkdirSync(logs);
    log.write("kept");
    await log.close();
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain("writable again");
    const text = readFileSync(join(logs, "isis.20250915.log"), "utf8");
    expect(text).toContain(" kept\n");
    // The banner and the entry of the batch that failed.
    expect(text).toContain(` Runtime log lost 3 entries (could not write ${join(logs, "isis.20250915.log")})\n`);
  });

  test("control bytes in an entry are written as \\xNN: one entry is one line, and nothing acts on a terminal", async () => {
    const { dir, log } = makeLog();
    log.write("A1>B1 two\nlines\r and \x1b[2J an escape");
    await log.close();
    const text = readFileSync(join(dir, "logs", "isis.20250915.log"), "latin1");
    expect(text.split("\n").at(-2)).toBe("2025-09-15T14:03:22.123000 A1>B1 two\\x0alines\\x0d and \\x1b[2J an escape");
    rmSync(dir, { recursive: true, force: true });
  });

  test("entries lost to a full queue are counted in the log itself once it drains", async () => {
    const dir = makeTempDir("isis-log-");
    const problems: string[] = [];
    const log = new RuntimeLog({
      root: join(dir, "isis"),
      utc: true,
      serverId: "IS",
      enabled: true,
      clock: () => at("2025-09-15T14:03:22.123"),
      maxQueuedBytes: 128 * 1024,
      onProblem: (priority, m) => problems.push(`${priority}: ${m}`),
    });
    for (let i = 0; i < 5000; i++) log.write(`A1>B1 entry ${i} ${"x".repeat(60)}`);
    const lost = log.dropped;
    expect(lost).toBeGreaterThan(0);
    // STATUS LogDown= and STATS logDown read this while it lasts.
    expect(log.down).toBe("queue_full");
    await log.flush();
    expect(log.down).toBeUndefined();
    await log.close();
    const text = readFileSync(join(dir, "isis.20250915.log"), "latin1");
    expect(text).toEndWith(`2025-09-15T14:03:22.123000 Runtime log lost ${lost} entries (queue full, the disk too slow)\n`);
    // The loss is an error in the journal (journalctl -p err shows it); the recovery a notice.
    expect(problems).toEqual([expect.stringMatching(/^error: .*queue full/), expect.stringMatching(/^notice: .*queue drained/)]);
    rmSync(dir, { recursive: true, force: true });
  });
});
