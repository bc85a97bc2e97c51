// Files an attacker (or an accident) points the compiled dist/isis at:
//  6. a config file that is a FIFO, /dev/zero, too big, or on a hung mount
//     (a real FUSE mount that never answers, in a mount namespace of its
//     own): refused at once or within the time limit, the next RESTART
//     free; an instrument table that is a FIFO; a state file's stray temps;
//  7. the runtime log removed or rotated away under the running server:
//     opened again on STATUS, +LOG and SIGHUP, and STATUS true about it.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnWithHungMount, whyNoHungMount } from "../helpers/hung-mount.ts";
import { ISIS_BIN, makeTempDir, RunningServer, type RunningServer as Server, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(): Promise<UdpClient> {
  const c = await UdpClient.open();
  cleanups.push(() => c.close());
  return c;
}

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<Server> {
  const s = await startServer(options);
  cleanups.push(() => s.stop());
  return s;
}

const mkfifo = (path: string) => expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);

/** Run dist/isis with args; its exit code, output and how long it took. */
function run(args: string[]): { code: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = Bun.spawnSync([ISIS_BIN, ...args], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString(), ms: performance.now() - t0 };
}

describe("6. config files with no end", () => {
  test("-f /dev/zero, a FIFO, a directory or a file over 1 MiB: one line saying what, exit 1, at once", () => {
    const dir = makeTempDir();
    mkfifo(join(dir, "fifo.ini"));
    writeFileSync(join(dir, "big.ini"), `ServerID IS\n${"#".repeat(1024 * 1024)}\n`);
    const cases = [
      ["/dev/zero", "not a regular file (a character device)"],
      [join(dir, "fifo.ini"), "not a regular file (a FIFO)"],
      [dir, "not a regular file (a directory)"],
      [join(dir, "big.ini"), "1048589 bytes, over the limit of 1048576"],
    ] as const;
    for (const [path, why] of cases) {
      const r = run(["-d", "-f", path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`isis: cannot read config file ${path}: ${why}\n`);
      expect(r.ms).toBeLessThan(10_000);
    }
  });

  test("RESTART after the config path became a FIFO answers at once and keeps the running config; the next one, with the file back, reloads", async () => {
    const s = await server();
    const op = await client();
    const good = readFileSync(s.configPath, "latin1");
    unlinkSync(s.configPath);
    mkfifo(s.configPath);
    expect(await op.request("OP>IS RESTART\r", s.port)).toBe(
      `IS>OP ERROR: RESTART cannot read config file ${s.configPath}: not a regular file (a FIFO) - running configuration kept\r`,
    );
    unlinkSync(s.configPath);
    writeFileSync(s.configPath, good);
    op.send("OP>IS RESTART\r", s.port);
    expect(await op.nextMatching(/^IS>OP DONE: RESTART /)).toBeDefined();
  });

  const noMount = whyNoHungMount();
  test.skipIf(noMount !== undefined)(
    `a config on a hung mount: RESTART says so after 5 s, the next one at once; routing and the log go on; once the mount is cut, reloads work${noMount ? ` (skipped: ${noMount})` : ""}`,
    async () => {
      const dir = makeTempDir();
      const hung = join(dir, "hung");
      mkdirSync(hung);
      const real = join(dir, "real.ini");
      const logRoot = join(dir, "logs", "isis");
      writeFileSync(real, `ServerID IS\nServerPort 0\nServerLog ${logRoot}\nLogDate UTC\nStateFile off\n`);
      const config = join(dir, "isis.ini");
      symlinkSync(real, config);
      const mount = spawnWithHungMount(hung, [ISIS_BIN, "server", "-d", "-f", config], { cwd: dir });
      const s = new RunningServer(mount.proc as never, dir, config);
      void pump(mount.proc.stdout, s);
      void pump(mount.proc.stderr, s);
      cleanups.push(async () => {
        await mount.release();
        // The shell passes SIGTERM on to the server, and waits for it.
        mount.proc.kill("SIGTERM");
        await mount.proc.exited;
      });
      s.port = Number((await s.waitFor(/server started as host IS on port (\d+)/))[1]);
      const op = await client();
      expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");

      // The config path now leads into the mount that never answers.
      unlinkSync(config);
      symlinkSync(join(hung, "isis.ini"), config);
      const t0 = performance.now();
      op.send("OP>IS RESTART\r", s.port);
      // Meanwhile the server routes and answers as ever.
      expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
      expect(await op.nextMatching(/^IS>OP ERROR: RESTART /, 10_000)).toBe(
        `IS>OP ERROR: RESTART cannot read config file ${config}: no answer within 5 s (a hung file system?) - running configuration kept\r`,
      );
      expect(performance.now() - t0).toBeGreaterThanOrEqual(4900);
      // The next RESTART does not join the hung read: it answers at once, saying why.
      const t1 = performance.now();
      expect(await op.request("OP>IS RESTART\r", s.port)).toMatch(
        new RegExp(`^IS>OP ERROR: RESTART cannot read config file ${config}: not read: an earlier read of ${config}, started \\d+ s ago, has not returned`),
      );
      expect(performance.now() - t1).toBeLessThan(2000);
      // The runtime log is still written (the other I/O thread is free).
      const log = `${logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`;
      await waitUntil("the second refusal in the runtime log", () => textOf(log).split("Server restart refused").length === 3);

      // The mount is cut (as when a hung NFS mount is finally aborted): the stuck read returns, reloads work again.
      unlinkSync(config);
      symlinkSync(real, config);
      await mount.release();
      const reply = await waitUntil("a RESTART that reloads", async () => {
        const text = await op.request("OP>IS RESTART\r", s.port);
        return text.startsWith("IS>OP ERROR: RESTART") ? undefined : text;
      });
      expect(reply).toMatch(/^IS>OP (DONE: RESTART|PING)/);
    },
    30_000,
  );

  test("an instrument table that is a FIFO: `isis cmd` says so and exits at once instead of waiting for a writer", () => {
    const dir = makeTempDir();
    const table = join(dir, "instruments.ini");
    mkfifo(table);
    const r = run(["cmd", "--config", table, "--mods1", "is", "ping"]);
    expect(r.code).not.toBe(0);
    // isisCmd's way: errors on stdout, `** ERROR: ...`.
    expect(r.stdout).toContain(`** ERROR: cannot read the instrument table ${table}: not a regular file (a FIFO)`);
    expect(r.ms).toBeLessThan(10_000);
  });

  test("temporary files a killed server left beside the state file are removed at start; a live process's are not", async () => {
    const dir = makeTempDir();
    const state = join(dir, "hosts.json");
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(`${state}.tmp-${dead}`, "{");
    writeFileSync(`${state}.tmp-${process.pid}`, "{");
    const s = await server({ config: `StateFile ${state}\n` });
    expect(existsSync(`${state}.tmp-${dead}`)).toBe(false);
    expect(existsSync(`${state}.tmp-${process.pid}`)).toBe(true);
    expect(s.lines.join("\n")).toContain(`removed 1 temporary file(s) a killed server left beside ${state}: hosts.json.tmp-${dead}`);
  });

  test("a state file that is a FIFO does not hang the start: it is ignored, said so, and the server serves", async () => {
    const dir = makeTempDir();
    const state = join(dir, "hosts.json");
    mkfifo(state);
    const s = await server({ config: `StateFile ${state}\n` });
    expect(s.lines.join("\n")).toContain(`host table state file ${state} ignored: not a regular file (a FIFO)`);
    const op = await client();
    expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
  });
});

describe("7. the runtime log that vanished", () => {
  const today = () => new Date().toISOString().slice(0, 10).replaceAll("-", "");

  test("removed: STATUS opens it again before it answers +LOG, and the new file says why", async () => {
    const s = await server();
    const op = await client();
    const log = `${s.logRoot}.${today()}.log`;
    expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
    await waitUntil("the log written", () => textOf(log).includes("IS>OP PONG"));
    rmSync(log);
    const status = await op.request("OP>IS STATUS\r", s.port);
    expect(status).toContain(" +LOG ");
    expect(status).not.toContain("LogDown");
    const text = await waitUntil("the log file back", () => textOf(log).includes("IS>OP DONE: STATUS") && textOf(log));
    expect(text).toMatch(/^------------------------------\nIS runtime log \(re\)started at UTC \S+\n\S+ Runtime log reopened: \S+ was removed\n/);
  });

  test("rotated away (renamed, as logrotate without copytruncate) then SIGHUP: later entries go to the new file", async () => {
    const s = await server();
    const op = await client();
    const log = `${s.logRoot}.${today()}.log`;
    expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
    await waitUntil("the log written", () => textOf(log).includes("IS>OP PONG"));
    renameSync(log, `${log}.1`);
    s.proc.kill("SIGHUP");
    await s.waitFor(/SIGHUP: DONE: RESTART/);
    op.send("OP>IS TIME\r", s.port);
    expect(await op.nextMatching(/^IS>OP DONE: TIME/)).toBeDefined();
    const text = await waitUntil("the new file", () => textOf(log).includes("IS>OP DONE: TIME") && textOf(log));
    expect(text).toContain(`Runtime log reopened: ${log} was removed`);
    expect(text).toContain("Server restarted: configuration reloaded");
    expect(readFileSync(`${log}.1`, "latin1")).not.toContain("IS>OP DONE: TIME");
  });

  test("+LOG while on opens a removed log again", async () => {
    const s = await server();
    const op = await client();
    const log = `${s.logRoot}.${today()}.log`;
    expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
    await waitUntil("the log written", () => textOf(log).includes("IS>OP PONG"));
    rmSync(log);
    expect(await op.request("OP>IS +LOG\r", s.port)).toBe(`IS>OP DONE: +LOG Runtime logging enabled logFile=${log}\r`);
    await waitUntil("the log file back", () => textOf(log).includes("was removed"));
  });

  test("STATUS says LogDown=unwritable while the log cannot be written, and stops saying it once it can", async () => {
    const s = await server();
    const op = await client();
    const dir = join(s.logRoot, "..");
    expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
    await waitUntil("the log written", () => textOf(`${s.logRoot}.${today()}.log`).includes("IS>OP PONG"));
    // The log directory replaced by a file: nothing can be created there (even by root).
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "in the way");
    const down = await waitUntil("LogDown", async () => {
      const text = await op.request("OP>IS STATUS\r", s.port);
      return text.endsWith(" LogDown=unwritable\r") && text;
    });
    expect(down).toContain(" +LOG ");
    rmSync(dir);
    await waitUntil("STATUS without LogDown", async () => !(await op.request("OP>IS STATUS\r", s.port)).includes("LogDown"));
  });
});

async function pump(stream: ReadableStream<Uint8Array>, s: RunningServer): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) s.addLine(line);
  }
}
