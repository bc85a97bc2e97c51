// `isis check` as a monitoring system runs it: the compiled binary against
// the compiled server on 127.0.0.1, its line and its exit status.
import { afterEach, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function check(...args: string[]): Promise<{ line: string; status: number }> {
  const proc = Bun.spawn([ISIS_BIN, "check", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, status] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(err).toBe("");
  // A plugin prints exactly one line.
  expect(out.split("\n")).toHaveLength(2);
  return { line: out.trimEnd(), status };
}

async function server(config = ""): Promise<RunningServer> {
  const s = await startServer({ config });
  cleanup.push(() => s.stop());
  return s;
}

async function agent(name: string, s: RunningServer): Promise<UdpClient> {
  const c = await UdpClient.open();
  cleanup.push(() => c.close());
  expect(await c.request(`${name}>IS PING\r`, s.port)).toBe(`IS>${name} PONG\r`);
  return c;
}

/** Run the check until its state is `status` (a client goes stale with time). */
async function checkUntil(status: number, args: string[], timeoutMs = 5000): Promise<string> {
  let last = "";
  const result = await waitUntil(
    `isis check to exit ${status}`,
    async () => {
      const r = await check(...args);
      last = r.line;
      return r.status === status && r;
    },
    { timeoutMs, seen: () => `last: ${last}` },
  );
  return result.line;
}

test("a healthy server: OK (0), its clients counted without the check itself, whose name is gone afterwards", async () => {
  const s = await server();
  const ie = await agent("M1.IE", s);
  const { line, status } = await check("--host", `127.0.0.1:${s.port}`);
  expect(status).toBe(0);
  expect(line).toMatch(
    /^ISIS OK - IS at \S+:\d+: 1 client, 0 stale, 0 late, up \d+s \| clients=1;;;0;32 stale=0;0;;0 late=0;0;;0 inflight=0;;;0 uptime=[\d.]+s received=\d+c/,
  );
  expect(await ie.request("M1.IE>IS HOSTS\r", s.port)).toBe("IS>M1.IE DONE: HOST numHosts=1 maxHosts=32 host0=M1.IE\r");
});

test("a stale client is a WARNING (1) naming it; --ignore leaves it out", async () => {
  const s = await server("StaleAfter 0.3\n");
  await agent("M1.RC", s);
  const line = await checkUntil(1, ["--host", `127.0.0.1:${s.port}`]);
  expect(line).toStartWith("ISIS WARNING - 1 stale (M1.RC) - IS at ");
  expect(line).toContain("stale=1;0;;0");
  expect((await check("--host", `127.0.0.1:${s.port}`, "--ignore", "M1.*")).status).toBe(0);
});

test("a command left unanswered past CommandTimeout is a WARNING (1)", async () => {
  const s = await server("CommandTimeout 0.3\n");
  const ie = await agent("M1.IE", s);
  const ipc = await agent("IPC1", s);
  ipc.send("IPC1>M1.IE FILTER 2\r", s.port);
  expect(await ie.next()).toBe("IPC1>M1.IE FILTER 2\r");
  const line = await checkUntil(1, ["--host", `127.0.0.1:${s.port}`]);
  expect(line).toMatch(/^ISIS WARNING - 1 late command - IS at \S+: 2 clients, 0 stale, 1 late/);
  expect(line).toContain("late=1;0;;0 inflight=1;;;0");
});

test("the runtime log switched off is a WARNING (1)", async () => {
  const s = await server();
  const eng = await agent("ENG", s);
  expect(await eng.request("ENG>IS -LOG\r", s.port)).toStartWith("IS>ENG DONE: -LOG");
  const { line, status } = await check("--host", `127.0.0.1:${s.port}`);
  expect({ status, line }).toEqual({ status: 1, line: expect.stringMatching(/^ISIS WARNING - runtime log off \(-LOG\) - IS at /) });
});

test("a runtime log the server cannot write (a full disk) is a WARNING (1) with the entries lost", async () => {
  const dir = makeTempDir("isis-full-");
  symlinkSync("/dev/full", join(dir, `isis.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`));
  const s = await server(`ServerLog ${join(dir, "isis")}\n`);
  await agent("M1.IE", s);
  const line = await checkUntil(1, ["--host", `127.0.0.1:${s.port}`]);
  expect(line).toMatch(/^ISIS WARNING - runtime log not written \(unwritable, \d+ entries lost\) - IS at /);
  expect(line).toMatch(/ logLost=[1-9]\d*c$/);
});

test("a log that went down between STATUS and STATS is still said with its reason: STATUS is asked again", async () => {
  // A server scripted to change between the answers, as a real one did under load (/dev/full failed in between).
  let statusAsked = 0;
  const fake = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(socket, data, port, address) {
        const [header = "", ...words] = data.toString("latin1").trim().split(" ");
        const from = header.split(">")[0];
        const command = words.join(" ").toUpperCase();
        const body =
          command === "STATUS"
            ? `DONE: STATUS HostName=IS numClients=2 Concise +LOG +HANDSHAKE -CLI${++statusAsked > 1 ? " LogDown=unwritable" : ""}`
            : command === "LIVENESS"
              ? "DONE: LIVENESS numClients=1 c0=M1.IE,udp:127.0.0.1:5000,idle:0.100,ok"
              : command === "STATS"
                ? "DONE: STATS uptime=10.000 received=20 logLost=12 logDown=1"
                : `DONE: ${command}`;
        socket.send(`IS>${from} ${body}\r`, port, address);
      },
    },
  });
  cleanup.push(() => fake.close());
  const { line, status } = await check("--host", `127.0.0.1:${fake.port}`);
  expect(status).toBe(1);
  expect(line).toStartWith("ISIS WARNING - runtime log not written (unwritable, 12 entries lost) - IS at ");
  expect(statusAsked).toBe(2);
});

test("no answer is CRITICAL (2): a port where nothing listens, and one where something listens but never answers", async () => {
  const closed = await UdpClient.open();
  const port = closed.port;
  closed.close();
  expect(await check("--host", `127.0.0.1:${port}`)).toEqual({
    status: 2,
    line: `ISIS CRITICAL - no answer from IS at 127.0.0.1:${port}: no ISIS server is listening at 127.0.0.1:${port} (port unreachable)`,
  });
  const mute = await UdpClient.open();
  cleanup.push(() => mute.close());
  expect(await check("--host", `127.0.0.1:${mute.port}`, "-t", "0.3")).toEqual({
    status: 2,
    line: `ISIS CRITICAL - no answer from IS at 127.0.0.1:${mute.port}: nothing within 0.3 s`,
  });
});

test("bad usage and a missing instrument are UNKNOWN (3), on stdout as a plugin must", async () => {
  expect(await check("--frobnicate")).toEqual({ status: 3, line: "ISIS UNKNOWN - unknown option '--frobnicate' (see isis check --help)" });
  expect(await check("--mods1", "--config", "/nonexistent/instruments.ini")).toMatchObject({
    status: 3,
    line: expect.stringMatching(/^ISIS UNKNOWN - .*instruments\.ini/),
  });
});
