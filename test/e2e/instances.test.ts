// Two servers on one host, as the lab's IS (isis_lab_2009.ini) and the test
// server IX (isis_test_2009.ini): clients reach either through the
// instrument table's sections or --host, and neither takes the other's
// routes from a state file.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function server(config: string): Promise<RunningServer> {
  const s = await startServer({ configText: config });
  cleanup.push(() => s.stop());
  return s;
}

async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const proc = Bun.spawn([ISIS_BIN, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { out: out + err, code };
}

test("isis cmd and isis check reach either server through its section of the instrument table, or --host and --server", async () => {
  const lab = await server("ServerID IS\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\n");
  const testServer = await server("ServerID IX\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\n");
  const table = join(makeTempDir("isis-instruments-"), "instruments.ini");
  writeFileSync(
    table,
    `[lab]\nhost = 127.0.0.1\nport = ${lab.port}\nserver = IS\nid = ENG1\n\n[test]\nhost = 127.0.0.1\nport = ${testServer.port}\nserver = IX\nid = ENG2\n`,
  );

  const viaLab = await run("cmd", "--config", table, "--instrument", "lab", "is", "status");
  expect(viaLab.code).toBe(0);
  expect(viaLab.out).toMatch(new RegExp(`^DONE: STATUS HostName=IS HostAddr=\\S+:${lab.port} `));
  const viaTest = await run("cmd", "--config", table, "--instrument", "TEST", "ix", "status");
  expect(viaTest.code).toBe(0);
  expect(viaTest.out).toMatch(new RegExp(`^DONE: STATUS HostName=IX HostAddr=\\S+:${testServer.port} `));
  expect(await run("cmd", "--host", `127.0.0.1:${testServer.port}`, "--server", "IX", "ix", "ping")).toEqual({ code: 0, out: "PONG\n" });
  expect(await run("check", "--config", table, "--instrument", "test")).toMatchObject({ code: 0, out: expect.stringMatching(/^ISIS OK - IX at /) });
  expect(await run("cmd", "--config", table, "--instrument", "nope", "is", "status")).toMatchObject({
    code: 2,
    out: expect.stringContaining("instrument 'nope' is not in"),
  });
});

test("a state file of another server (another ServerID) is not restored; the journal says whose it is", async () => {
  const dir = makeTempDir("isis-state-");
  const state = join(dir, "hosts.json");
  const first = await server(`ServerID IX\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\nStateFile ${state}\n`);
  const agent = await UdpClient.open();
  cleanup.push(() => agent.close());
  expect(await agent.request("M1.IE>IX PING\r", first.port)).toBe("IX>M1.IE PONG\r");
  expect(await first.stop()).toBe(0); // saves the table at shutdown

  const second = await server(`ServerID IS\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\nStateFile ${state}\n`);
  expect(second.lines.join("\n")).toMatch(
    new RegExp(`host table state file ${state} not restored: it is the host table of IX on port \\d+, not of this server \\(IS on port any\\)`),
  );
  const eng = await UdpClient.open();
  cleanup.push(() => eng.close());
  expect(await eng.request("ENG>IS HOSTS\r", second.port)).toBe("IS>ENG DONE: HOST numHosts=1 maxHosts=32 host0=ENG\r");
});
