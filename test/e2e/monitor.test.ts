// `isis monitor`, run as the compiled dist/isis against the compiled server,
// on 127.0.0.1 only: on a real pseudo-terminal (tmux on a private socket), in
// plain mode through a pipe, and with bad usage.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { udp } from "bun";
import { Tmux } from "../console/tmux.ts";
import { ISIS_BIN, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

let server: RunningServer;
const sockets: UdpClient[] = [];
beforeAll(async () => {
  server = await startServer();
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
afterAll(async () => {
  await server?.stop();
});

async function client(name: string): Promise<UdpClient> {
  const c = await UdpClient.open();
  sockets.push(c);
  expect(await c.request(`${name}>IS PING\r`, server.port)).toBe(`IS>${name} PONG\r`);
  return c;
}

const hosts = async (asker: UdpClient, name: string) => asker.request(`${name}>IS HOSTS\r`, server.port);

describe("on a terminal", () => {
  const tmux = new Tmux();
  afterAll(() => tmux.close());

  test("shows a message a client sent, the clients and the command in flight, updating in place; q quits cleanly", async () => {
    const pane = tmux.open([ISIS_BIN, "monitor", "--host", `127.0.0.1:${server.port}`, "--id", "MONTTY"], server.dir);
    await pane.waitFor(/watching node=\* type=\*/);
    const t1 = await client("T1");
    await client("T2");
    t1.send("T1>T2 hello from the test\r", server.port);

    await pane.waitFor(/^ {2}\d\d:\d\d:\d\d\.\d{3} rx T1>T2 hello from the test$/m);
    // The tables come with the next snapshot (once a second).
    await pane.waitFor(/^ +\d+ T2 +udp 127\.0\.0\.1:\d+ /m);
    await pane.waitFor(/^ {2}T1>T2 +HELLO +\d+\.\d{3} {2}ok/m);
    // In place: the header is drawn once, on the first row, however much arrives.
    expect(pane.screen().split("\n")[0]).toStartWith(`isis monitor  IS at 127.0.0.1:${server.port} as MONTTY  watching`);
    expect(pane.screen().match(/isis monitor {2}IS at/g)).toHaveLength(1);

    pane.keys("q");
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
    // MONITOR OFF went out: the server watches nobody any more.
    expect(await t1.request("T1>IS MONITOR\r", server.port)).toBe("IS>T1 DONE: MONITOR numMonitors=0 maxMonitors=4\r");
  });
});

describe("not on a terminal", () => {
  test("prints one plain line per message that passes the filters, then leaves the host table on SIGINT", async () => {
    const u1 = await client("U1");
    await client("U2");
    const q1 = await client("Q1"); // asks the server, so that u1's queue holds only what u1's sends caused
    const proc = Bun.spawn([ISIS_BIN, "monitor", "--host", `127.0.0.1:${server.port}`, "--node", "U2", "--type", "req"], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const monitorName = `MON${proc.pid % 100000}`;
    // Subscribed once the server lists the monitor.
    await waitUntil("the monitor to subscribe", async () => (await q1.request("Q1>IS MONITOR\r", server.port)).includes(`m0=${monitorName},`), {
      pollMs: 50,
    });
    u1.send("U1>IS hello not for U2\r", server.port); // not U2: filtered out
    u1.send("U1>U2 DONE: x\r", server.port); // not a request: filtered out
    u1.send("U1>U2 move 3\r", server.port);
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} rx U1>U2 move 3\n$/);
    expect(await hosts(q1, "Q1")).toContain(`=${monitorName}`);

    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(out).not.toContain("\x1b");
    // A made-up name is taken out of the host table on the way out.
    expect(await hosts(q1, "Q1")).not.toContain(monitorName);
  });
});

describe("--id NAME", () => {
  /** Wait until the server lists `name` as a monitor. */
  async function subscribed(asker: UdpClient, askerName: string, name: string): Promise<void> {
    // Only asking the server tells: the one wait helper, polling with MONITOR.
    await waitUntil(`${name} subscribed`, async () => (await asker.request(`${askerName}>IS MONITOR\r`, server.port)).includes(`=${name},`), {
      pollMs: 50,
    });
  }

  test("a name the server's host table holds is refused, and the agent keeps its route", async () => {
    const agent = await client("M1.ENV");
    const q = await client("Q2");
    const p = Bun.spawn([ISIS_BIN, "monitor", "--plain", "--host", `127.0.0.1:${server.port}`, "--id", "m1.env"], { stdout: "pipe", stderr: "pipe" });
    expect(await p.exited).toBe(1);
    const err = await new Response(p.stderr).text();
    expect(err).toMatch(
      new RegExp(
        `^isis: --id M1\\.ENV is in IS's host table \\(Method=UDP udpAddr=127\\.0\\.0\\.1 udpPort=${agent.port} IdleTime=[\\d.]+\\): a name an agent uses\\? use --force-id to take it anyway\\n$`,
      ),
    );
    // Routed to the agent, not to the monitor's socket.
    q.send("Q2>M1.ENV still yours\r", server.port);
    expect(await agent.next()).toBe("Q2>M1.ENV still yours\r");
    // The name the check asked under is gone again.
    expect(await hosts(q, "Q2")).not.toMatch(new RegExp(`=MON${p.pid % 100000}[ \\r]`));
  });

  test("--force-id takes it anyway (and leaves it in the table on the way out)", async () => {
    await client("M1.CB");
    const q = await client("Q3");
    const p = Bun.spawn([ISIS_BIN, "monitor", "--plain", "--host", `127.0.0.1:${server.port}`, "--id", "M1.CB", "--force-id"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    await subscribed(q, "Q3", "M1.CB");
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(await hosts(q, "Q3")).toContain("=M1.CB");
  });

  test("a free name is used as given, and removed on the way out like a made-up one", async () => {
    const q = await client("Q4");
    const p = Bun.spawn([ISIS_BIN, "monitor", "--plain", "--host", `127.0.0.1:${server.port}`, "--id", "eng1"], { stdout: "pipe", stderr: "pipe" });
    await subscribed(q, "Q4", "ENG1");
    const table = await hosts(q, "Q4");
    expect(table).toContain("=ENG1");
    expect(table).not.toMatch(new RegExp(`=MON${p.pid % 100000}[ \\r]`));
    p.kill("SIGINT");
    expect(await p.exited).toBe(0);
    expect(await hosts(q, "Q4")).not.toMatch(/=ENG1[ \r]/);
  });
});

describe("refusals and bad usage", () => {
  test("a server that refuses MONITOR ON (an old ISIS): the reason on stderr, exit 2", async () => {
    let socket: udp.Socket<"buffer"> | undefined;
    socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      binaryType: "buffer",
      socket: {
        data(_s, data, port) {
          const src = data.toString("latin1").split(">")[0];
          socket?.send(`IS>${src} ERROR: Unrecognized ISIS command - MONITOR\r`, port, "127.0.0.1");
        },
      },
    });
    const p = Bun.spawn([ISIS_BIN, "monitor", "--plain", "--host", `127.0.0.1:${socket.port}`], { stdout: "pipe", stderr: "pipe" });
    expect(await p.exited).toBe(2);
    expect(await new Response(p.stderr).text()).toBe("isis monitor: IS refused to be watched: ERROR: Unrecognized ISIS command - MONITOR\n");
    socket.close();
  });

  test("--help prints the monitor's own usage, exit 0", () => {
    const p = Bun.spawnSync([ISIS_BIN, "monitor", "--help"]);
    expect(p.exitCode).toBe(0);
    expect(p.stdout.toString()).toContain("Usage: isis monitor [options]");
    expect(p.stdout.toString()).toContain("--node NAMES");
  });

  test.each([
    [["--bogus"], "unknown option '--bogus'"],
    [["extra"], "unexpected argument 'extra'"],
    [["--type", "chatter", "--host", "127.0.0.1"], "invalid --type 'chatter'"],
    [["--node", "a>b", "--host", "127.0.0.1"], "invalid --node 'a>b'"],
    [["--host", "127.0.0.1:0"], "invalid --host '127.0.0.1:0'"],
  ])("%j: one line on stderr, exit 1", (args, message) => {
    const p = Bun.spawnSync([ISIS_BIN, "monitor", ...args]);
    expect(p.exitCode).toBe(1);
    const err = p.stderr.toString();
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain(message);
  });
});
