// The compiled server writing to the journal's stream: when JOURNAL_STREAM
// names its stdout (as systemd sets it), every line carries a syslog priority
// and no timestamp of its own, so `journalctl -p warning` finds the warnings.
// The stream here is a real pipe; a shell names its device and inode as
// systemd would (test/e2e/systemd*.test.ts checks it under systemd itself).
import { afterEach, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ISIS_BIN, makeTempDir } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

// stdout and stderr are one pipe; JOURNAL_STREAM is that pipe's DEV:INODE (taken through fd 3, as $(...) has its own stdout).
const NAME_THE_STREAM = 'exec 2>&1 3>&1; JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/3); export JOURNAL_STREAM; exec 3>&-; exec "$@"';

class Output {
  text = "";
  private readonly done: Promise<void>;
  private readonly changes = new Changes();

  constructor(readonly proc: Subprocess<"ignore", "pipe", "inherit">) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) {
        this.text += decoder.decode(chunk, { stream: true });
        this.changes.notify();
      }
      this.changes.notify();
    })();
  }

  get lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }

  /** Wait until the output holds a line matching re (the process writes as it goes). */
  waitFor(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    const match = () => this.lines.map((l) => l.match(re)).find((m) => m);
    return waitUntil(`a line matching ${re}`, match, { on: this.changes, timeoutMs, seen: () => `output:\n${this.text}` });
  }

  async finished(): Promise<number> {
    const code = await this.proc.exited;
    await this.done;
    return code;
  }
}

function run(configText: string, env: Record<string, string> = {}): Output {
  const dir = makeTempDir("isis-journal-");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "isis.ini");
  writeFileSync(config, configText.replaceAll("{dir}", dir));
  const proc = Bun.spawn(["sh", "-c", NAME_THE_STREAM, "sh", ISIS_BIN, "server", "-d", "-f", config], {
    cwd: dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, ...env },
  });
  cleanup.push(() => proc.exitCode === null && proc.kill("SIGKILL"));
  return new Output(proc);
}

const BASE = "ServerID IS\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\n";

test("on the journal's stream every line has its priority and no timestamp: warnings at 4, what happened at 5 and 6", async () => {
  const out = run(`${BASE}Frobnicate 12\nExecAllow none\n`);
  const port = Number((await out.waitFor(/^<5>server started as host IS on port (\d+)$/))[1]);
  const client = await UdpClient.open();
  cleanup.push(() => client.close());
  expect(await client.request("T1>IS EXEC: QUIT\r", port)).toStartWith("IS>T1 ERROR: EXEC: not allowed");
  await out.waitFor(/^<4>Refused executive request from T1/);
  out.proc.kill("SIGTERM");
  expect(await out.finished()).toBe(0);
  const lines = out.lines;
  expect(lines).toContainEqual(expect.stringMatching(/^<4>\S+isis\.ini:5: warning: unknown keyword 'Frobnicate' ignored$/));
  expect(lines).toContainEqual(expect.stringMatching(/^<6>ISIS server version \S+ started in daemon mode$/));
  expect(lines).toContainEqual(expect.stringMatching(/^<6>Added UDP Client T1 on host 127\.0\.0\.1:\d+$/));
  expect(lines.at(-1)).toBe("<5>shutdown (SIGTERM)");
  // Every line is ranked, and none carries a time of its own (journald stamps it).
  expect(lines.filter((l) => !/^<[3-6]>/.test(l))).toEqual([]);
  expect(lines.filter((l) => /^<\d>\d{4}-\d\d-\d\dT/.test(l))).toEqual([]);
});

test("a config the server refuses is one error line on the journal's stream, exit 1", async () => {
  const out = run(`${BASE}ServerPort many\n`);
  expect(await out.finished()).toBe(1);
  expect(out.lines).toEqual([expect.stringMatching(/^<3>isis: .*isis\.ini:5: ServerPort /)]);
});

test("when JOURNAL_STREAM names another stream (inherited by a child writing elsewhere), lines are stamped as before", async () => {
  const dir = makeTempDir("isis-journal-");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "isis.ini");
  writeFileSync(config, BASE.replaceAll("{dir}", dir));
  const proc = Bun.spawn([ISIS_BIN, "server", "-d", "-f", config], {
    cwd: dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, JOURNAL_STREAM: "1:1" },
  });
  cleanup.push(() => proc.exitCode === null && proc.kill("SIGKILL"));
  const out = new Output(proc);
  await out.waitFor(/server started as host IS on port \d+$/);
  proc.kill("SIGTERM");
  expect(await out.finished()).toBe(0);
  expect(out.lines.filter((l) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} /.test(l))).toEqual([]);
});

test("a journal nobody reads any more (its pipe closed) costs the lines, never the server", async () => {
  const dir = makeTempDir("isis-journal-");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "isis.ini");
  writeFileSync(config, BASE.replaceAll("{dir}", dir));
  const proc = Bun.spawn([ISIS_BIN, "server", "-d", "-f", config], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  cleanup.push(() => proc.exitCode === null && proc.kill("SIGKILL"));
  let text = "";
  const reader = proc.stdout.getReader();
  while (!/on port (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ended:\n${text}`);
    text += new TextDecoder().decode(value);
  }
  const port = Number(/on port (\d+)/.exec(text)?.[1]);
  await reader.cancel(); // the reader goes away: the next journal line meets a closed pipe (EPIPE)
  const client = await UdpClient.open();
  cleanup.push(() => client.close());
  // Each of these writes a journal line: a new client, a reload.
  expect(await client.request("T1>IS PING\r", port)).toBe("IS>T1 PONG\r");
  client.send("T1>IS RESTART\r", port);
  // RESTART PINGs the known clients (us too) before it answers.
  const replies = [await client.next(), await client.next()];
  expect(replies).toEqual(["IS>T1 PING\r", expect.stringMatching(/^IS>T1 DONE: RESTART/)]);
  expect(await client.request("T1>IS PING\r", port)).toBe("IS>T1 PONG\r");
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  expect(await new Response(proc.stderr).text()).toBe("");
});
