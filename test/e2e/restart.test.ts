// The compiled server across restarts: routes come back from the state file,
// silent preset ports are found without a person, and a bad config file on
// RESTART or SIGHUP never replaces a good running one.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const s = await startServer(options);
  cleanups.push(() => s.stop());
  return s;
}

async function client(): Promise<UdpClient> {
  const c = await UdpClient.open();
  cleanups.push(() => c.close());
  return c;
}

const fileHas = (path: string, text: string) => () => textOf(path).includes(text);

describe("routes survive a restart", () => {
  test("a server killed outright and started again routes to a client that has been silent since before", async () => {
    const dir = makeTempDir();
    const state = join(dir, "state", "hosts.json");
    const config = `StateFile ${state}\n`;
    const first = await server({ config });
    const silent = await client();
    const talker = await client();
    expect(await silent.request("QUIET>IS PING\r", first.port)).toBe("IS>QUIET PONG\r");
    expect(await talker.request("TALK>IS PING\r", first.port)).toBe("IS>TALK PONG\r");
    // Saved on change, shortly after, with no clean shutdown to help.
    await waitUntil("QUIET in the state file", fileHas(state, `"port": ${silent.port}`));
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    const second = await server({ config });
    expect(second.lines.join("\n")).toContain(`restored 2 clients from ${state}`);
    // Known clients are PINGed at start, at the address they were last heard from.
    expect(await silent.next()).toBe("IS>QUIET PING\r");
    expect(await talker.next()).toBe("IS>TALK PING\r");
    talker.send("TALK>QUIET are you there\r", second.port);
    expect(await silent.next()).toBe("TALK>QUIET are you there\r");
    expect(await talker.request("TALK>IS HOSTS\r", second.port)).toBe("IS>TALK DONE: HOST numHosts=2 maxHosts=32 host0=QUIET host1=TALK restored=QUIET\r");
  });

  test("a client that moved while the server was down is corrected by its next message", async () => {
    const dir = makeTempDir();
    const config = `StateFile ${join(dir, "hosts.json")}\n`;
    const first = await server({ config });
    const old = await client();
    const other = await client();
    await old.request("MOVER>IS PING\r", first.port);
    await other.request("OTHER>IS PING\r", first.port);
    await first.stop();
    const second = await server({ config });
    const moved = await client();
    expect(await moved.request("MOVER>IS PING\r", second.port)).toBe("IS>MOVER PONG\r");
    other.send("OTHER>MOVER hello\r", second.port);
    expect(await moved.next()).toBe("OTHER>MOVER hello\r");
  });

  test("without StateFile the table is kept in systemd's STATE_DIRECTORY when set, else beside the log", async () => {
    const dir = makeTempDir();
    const stateDir = join(dir, "var-lib-isis");
    mkdirSync(stateDir);
    const s = await server({ env: { STATE_DIRECTORY: stateDir } });
    const c = await client();
    await c.request("SD>IS PING\r", s.port);
    await waitUntil("the state file in STATE_DIRECTORY", fileHas(join(stateDir, "isis-hosts.json"), '"name": "SD"'));

    const t = await server({});
    await c.request("BESIDE>IS PING\r", t.port);
    await waitUntil("the state file beside the log", fileHas(`${t.logRoot}.hosts.json`, '"name": "BESIDE"'));
  });

  test("a corrupt state file is reported and ignored, the server starts, and the next change rewrites it", async () => {
    const dir = makeTempDir();
    const state = join(dir, "hosts.json");
    writeFileSync(state, '{"format":"isis-hosts","version":1,"hosts":[{"name":');
    const s = await server({ config: `StateFile ${state}\n` });
    expect(s.lines.join("\n")).toMatch(/host table state file .*hosts\.json ignored: not valid JSON .*; starting with an empty host table/);
    const c = await client();
    expect(await c.request("C1>IS HOSTS\r", s.port)).toBe("IS>C1 DONE: HOST numHosts=1 maxHosts=32 host0=C1\r");
    await waitUntil("the state file rewritten", fileHas(state, '"name": "C1"'));
    expect(JSON.parse(readFileSync(state, "utf8")).hosts).toHaveLength(1);
  });
});

describe("preset ports", () => {
  test("a preset port that stays silent is PINGed again until it answers; then it is in the table and left alone", async () => {
    const agent = await client();
    const s = await server({ config: `UDPPort 127.0.0.1 ${agent.port}\n` });
    expect(await agent.next()).toBe("IS>AL PING\r"); // the cold start's, unanswered
    expect(await agent.next(5000)).toBe("IS>AL PING\r"); // 1 s later
    agent.send("LATE>IS PONG\r", s.port);
    const c = await client();
    expect(await c.request("C1>IS HOST late\r", s.port)).toMatch(new RegExp(`Host0=LATE Method0=UDP udpAddr0=127\\.0\\.0\\.1 udpPort0=${agent.port} `));
    // The pinger's next turn (2 s on) finds it answered and lets it go: no PING comes after that.
    const log = `${s.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`;
    await waitUntil("the pinger to let the preset go", fileHas(log, `preset port 127.0.0.1:${agent.port} answered after 1 more PINGs`), { timeoutMs: 10_000 });
    expect(await agent.request("LATE>IS PING\r", s.port)).toBe("IS>LATE PONG\r");
  });
});

describe("safe reload", () => {
  test("RESTART and SIGHUP with an invalid config file keep the running configuration; a valid one is taken", async () => {
    const s = await server({});
    const c = await client();
    const good = readFileSync(s.configPath, "utf8");
    writeFileSync(s.configPath, `${good}ServerID WAYTOOLONGNAME\nVerbose\n`);
    const refused = await c.request("C1>IS RESTART\r", s.port);
    expect(refused).toStartWith(`IS>C1 ERROR: RESTART ${s.configPath}:`);
    expect(refused).toEndWith("- running configuration kept\r");
    s.proc.kill("SIGHUP");
    await s.waitFor(/SIGHUP: ERROR: RESTART .* running configuration kept/);
    // Still the same server, still concise: nothing of the bad file was taken.
    expect(await c.request("C1>IS STATUS\r", s.port)).toContain(" Concise ");

    writeFileSync(s.configPath, `${good}Verbose\n`);
    expect(await c.request("C1>IS RESTART\r", s.port)).toBe("IS>C1 PING\r");
    expect(await c.next()).toStartWith("IS>C1 DONE: RESTART ");
    expect(await c.request("C1>IS STATUS\r", s.port)).toContain(" Verbose ");
  });
});
