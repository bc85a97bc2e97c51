// The compiled server on loopback, over real UDP sockets: every reply string
// of the spec, routing, broadcast, the runtime log, and the inputs that
// crashed the old server.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

let server: RunningServer;
let a: UdpClient;
let b: UdpClient;
let c: UdpClient;

beforeAll(async () => {
  server = await startServer();
  [a, b, c] = await Promise.all([UdpClient.open(), UdpClient.open(), UdpClient.open()]);
  expect(await a.request("A1>IS PING\r", server.port)).toBe("IS>A1 PONG\r");
  expect(await b.request("B1>IS PING\r", server.port)).toBe("IS>B1 PONG\r");
});

afterAll(async () => {
  for (const client of [a, b, c]) client?.close();
  await server?.stop();
});

const ask = (body: string) => a.request(`A1>IS ${body}\r`, server.port);

// Every test starts from the same host table, whatever ran before it and in
// whatever order: A1 and B1 at their own sockets, nobody else.
beforeEach(async () => {
  for (const name of ["C1", "HB1"]) expect(await ask(`REMOVE ${name}`)).toStartWith("IS>A1 ");
  expect(await b.request("B1>IS PING\r", server.port)).toBe("IS>B1 PONG\r");
});

/**
 * Nothing more is on its way to this client: the server answers in order, so
 * had it sent the client anything before, it would arrive before this PONG.
 */
async function nothingMoreFor(client: UdpClient, name: string): Promise<void> {
  expect(await client.request(`${name}>IS PING\r`, server.port)).toBe(`IS>${name} PONG\r`);
}

describe("server commands over UDP", () => {
  test("PING, REQ: PING", async () => {
    expect(await ask("PING")).toBe("IS>A1 PONG\r");
    expect(await ask("REQ: PING")).toBe("IS>A1 PONG\r");
  });

  test("STATUS", async () => {
    expect(await ask("STATUS")).toBe(
      `IS>A1 DONE: STATUS HostName=IS HostAddr=${hostname()}:${server.port} rcFile=${server.configPath} ` +
        `logFile=${server.logRoot}.${utcKey()}.log numClients=2 Concise +LOG +HANDSHAKE -CLI\r`,
    );
  });

  test("VERSION", async () => {
    expect(await ask("VERSION")).toMatch(
      new RegExp(
        `^IS>A1 DONE: VERSION Version='\\d+\\.\\d+\\.\\d+' exeName=${ISIS_BIN} rcFile=${server.configPath} UserID=\\S+ CompDate=\\d{4}-\\d\\d-\\d\\d CompTime=\\d\\d:\\d\\d:\\d\\d\\r$`,
      ),
    );
  });

  test("HOSTS, HOST ALL, HOST NAME, HOST unknown", async () => {
    expect(await ask("HOSTS")).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
    expect(await ask("HOST ALL")).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
    expect(await ask("HOST b1")).toMatch(
      new RegExp(`^IS>A1 DONE: HOST Host1=B1 Method1=UDP udpAddr1=127\\.0\\.0\\.1 udpPort1=${b.port} IdleTime1=\\d+\\.\\d{3}\\r$`),
    );
    // Named upper-cased, as the C server does (scripts match these words), also through EXEC:.
    expect(await ask("HOST nobody")).toBe("IS>A1 ERROR: HOST Unknown Host NOBODY\r");
    expect(await ask("EXEC: host nosuch")).toBe("IS>A1 ERROR: HOST Unknown Host NOSUCH\r");
  });

  test("LOG, TIME, CONFIG, PORTS", async () => {
    expect(await ask("LOG")).toBe(`IS>A1 DONE: LOG logFile=${server.logRoot}.${utcKey()}.log\r`);
    expect(await ask("TIME")).toMatch(
      /^IS>A1 DONE: TIME DATE=\d{4}-\d\d-\d\d TIME=\d\d:\d\d:\d\d ISODATE=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} TIMESYS=UTC\r$/,
    );
    expect(await ask("CONFIG")).toBe("IS>A1 DONE: CONFIG A1=ENABLED B1=ENABLED\r");
    expect(await ask("PORTS")).toBe("IS>A1 DONE: PORTS No serial ports connected.\r");
  });

  test("UDPPING reaches a listener on loopback; bad arguments are refused", async () => {
    expect(await ask(`UDPPING 127.0.0.1 ${c.port}`)).toBe(`IS>A1 DONE: UDPPING Sent PING to 127.0.0.1:${c.port}\r`);
    expect(await c.next()).toBe("IS>AL PING\r");
    expect(await ask("UDPPING")).toBe("IS>A1 ERROR: UDPPING Blank IP address or port\r");
    expect(await ask("UDPPING nowhere 1")).toBe("IS>A1 ERROR: UDPPING Invalid IPAddress 'nowhere'\r");
  });

  test("a PING to a closed port (ICMP port unreachable) does not hurt the server", async () => {
    const gone = await UdpClient.open();
    const closedPort = gone.port;
    gone.close();
    for (let i = 0; i < 3; i++) {
      expect(await ask(`UDPPING 127.0.0.1 ${closedPort}`)).toBe(`IS>A1 DONE: UDPPING Sent PING to 127.0.0.1:${closedPort}\r`);
    }
    expect(await ask("PING")).toBe("IS>A1 PONG\r");
  });

  test("HANDSHAKE, FLUSH, QUIT without EXEC:, unknown commands", async () => {
    expect(await ask("HANDSHAKE")).toBe("IS>A1 DONE: HANDSHAKE preset port handshake initiated\r");
    expect(await ask("FLUSH")).toBe("IS>A1 ERROR: FLUSH must specify port to flush\r");
    expect(await ask("FLUSH 8")).toBe("IS>A1 ERROR: FLUSH port 8 out of range [0-7]\r");
    expect(await ask("FLUSH 0")).toBe("IS>A1 ERROR: FLUSH serial port 0 not enabled\r");
    expect(await ask("QUIT")).toBe("IS>A1 ERROR: QUIT can only be executed as an executive override command\r");
    expect(await ask("Frobnicate")).toBe("IS>A1 ERROR: Unrecognized ISIS command - Frobnicate\r");
  });

  test("REMOVE, and the removed client comes back by speaking", async () => {
    expect(await c.request("C1>IS PING\r", server.port)).toBe("IS>C1 PONG\r");
    expect(await ask("REMOVE c1")).toBe("IS>A1 DONE: REMOVE Host C1 removed from the host table\r");
    expect(await ask("REMOVE c1")).toBe("IS>A1 ERROR: REMOVE Host C1 unknown, not removed\r");
    expect(await c.request("C1>IS PING\r", server.port)).toBe("IS>C1 PONG\r");
    expect(await ask("EXEC: remove c1")).toBe("IS>A1 DONE: REMOVE Host C1 removed from the host table\r");
    expect(await ask("EXEC: remove tc")).toBe("IS>A1 ERROR: REMOVE Host TC unknown, not removed\r");
    expect(await ask("REMOVE")).toBe("IS>A1 ERROR: REMOVE Must specify host to remove\r");
    expect(await ask("HOSTS")).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
  });

  test("-LOG and +LOG", async () => {
    expect(await ask("-LOG")).toBe("IS>A1 DONE: -LOG Runtime logging disabled\r");
    expect(await ask("STATUS")).toContain(" -LOG ");
    expect(await ask("+LOG")).toBe(`IS>A1 DONE: +LOG Runtime logging enabled logFile=${server.logRoot}.${utcKey()}.log\r`);
  });

  test("RESTART keeps the host table", async () => {
    expect(await ask("RESTART")).toBe("IS>A1 PING\r"); // known clients are PINGed first
    expect(await a.next()).toBe(`IS>A1 DONE: RESTART rcFile=${server.configPath} numClients=2 numPreset=0 Server restarted, host table kept\r`);
    expect(await b.next()).toBe("IS>B1 PING\r");
    b.send("B1>IS PONG\r", server.port);
    expect(await ask("HOSTS")).toBe("IS>A1 DONE: HOST numHosts=2 maxHosts=32 host0=A1 host1=B1\r");
  });
});

describe("routing over UDP", () => {
  test("a routed round trip between two clients", async () => {
    a.send("a1>b1 FILTER 2\r", server.port);
    expect(await b.next()).toBe("A1>B1 FILTER 2\r");
    b.send("B1>A1 DONE: FILTER FILTPOS=2\r", server.port);
    expect(await a.next()).toBe("B1>A1 DONE: FILTER FILTPOS=2\r");
  });

  test("a burst routed within one turn arrives byte for byte and in order, forwarded datagrams and re-formed ones alike", async () => {
    // Datagrams routed unchanged go out as the very bytes that came in; a burst
    // makes sure several are held at once (one sendmmsg at the end of a turn).
    const sent: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const body = `BURST ${i} ${"x\xe9\xff".repeat(i % 7)}`;
      sent.push(i % 3 === 0 ? `a1>b1 ${body}\r` : `A1>B1 ${body}\r`);
      expected.push(`A1>B1 ${body}\r`);
    }
    for (const text of sent) a.send(Buffer.from(text, "latin1"), server.port);
    const got: string[] = [];
    while (got.length < expected.length) got.push(await b.next());
    expect(got).toEqual(expected);
  });

  test("with ISIS_BATCHED_UDP=off (Bun's UDP API alone) the server routes and answers the same", async () => {
    const plain = await startServer({ env: { ISIS_BATCHED_UDP: "off" } });
    const [x, y] = await Promise.all([UdpClient.open(), UdpClient.open()]);
    try {
      await plain.waitFor(/UDP datagrams go through Bun's API one by one: ISIS_BATCHED_UDP=off/);
      // The suite's other server, on Linux, batches.
      if (process.platform === "linux") expect(server.lines.some((line) => line.includes("one by one"))).toBe(false);
      expect(await x.request("X1>IS PING\r", plain.port)).toBe("IS>X1 PONG\r");
      expect(await y.request("Y1>IS PING\r", plain.port)).toBe("IS>Y1 PONG\r");
      const expected = Array.from({ length: 100 }, (_, i) => `X1>Y1 BURST ${i} ${"\xe9".repeat(i % 5)}\r`);
      // Every other one in lower case: re-formed by the server, not forwarded as it came.
      for (const [i, text] of expected.entries()) x.send(Buffer.from(i % 2 ? text : text.replace("X1>Y1", "x1>y1"), "latin1"), plain.port);
      const got: string[] = [];
      while (got.length < expected.length) got.push(await y.next());
      expect(got).toEqual(expected);
    } finally {
      x.close();
      y.close();
      await plain.stop();
    }
  });

  test("unknown destination", async () => {
    expect(await a.request("A1>NOBODY hello\r", server.port)).toBe("IS>A1 ERROR: No Route to Destination Host NOBODY - host is unknown/unlisted\r");
  });

  test("broadcast to AL and ALL reaches everyone but the sender, and the server answers PING", async () => {
    expect(await c.request("C1>IS PING\r", server.port)).toBe("IS>C1 PONG\r");
    for (const dest of ["AL", "ALL"]) {
      a.send(`A1>${dest} PING\r`, server.port);
      expect(await a.next()).toBe("IS>A1 PONG\r");
      expect(await b.next()).toBe("A1>AL PING\r");
      expect(await c.next()).toBe("A1>AL PING\r");
      await nothingMoreFor(a, "A1"); // not its own broadcast
    }
  });

  test("a heartbeat gets no reply but registers the sender", async () => {
    const d = await UdpClient.open();
    d.send("HB1>IS\r", server.port);
    await nothingMoreFor(d, "HB1");
    expect(await ask("HOST HB1")).toContain("Method");
    d.close();
  });

  test("a client that restarts on a new port is found again by its next message", async () => {
    const moved = await UdpClient.open();
    expect(await moved.request("B1>IS PING\r", server.port)).toBe("IS>B1 PONG\r");
    a.send("A1>B1 where are you\r", server.port);
    expect(await moved.next()).toBe("A1>B1 where are you\r");
    await nothingMoreFor(b, "B1"); // the old socket got nothing; and B1 is back on it
    moved.close();
  });

  test("inputs that crashed the old server are survived, unanswered, with the table unchanged", async () => {
    const before = await ask("HOSTS");
    const junk = [`${"A".repeat(200)}>IS ping\r`, `A1>${"D".repeat(300)} hello\r`, `A1>IS ${"x".repeat(5000)}\r`, "no header at all\r", "A1>IS ping\0\r", "\r"];
    for (const j of junk) a.send(j, server.port);
    a.send(new Uint8Array(5000).fill(0xff), server.port);
    await nothingMoreFor(a, "A1");
    expect(await ask("HOSTS")).toBe(before);
  });
});

describe("runtime log", () => {
  test("records clients, traffic, replies and malformed input, one timestamped line each", async () => {
    a.send("a1>b1 FILTER 2\r", server.port);
    expect(await b.next()).toBe("A1>B1 FILTER 2\r");
    a.send("no header at all\r", server.port);
    c.send("C1>IS\r", server.port);
    await ask("PING");
    // The writer batches entries for a few ms: wait until the last of them is on disk.
    const path = `${server.logRoot}.${utcKey()}.log`;
    const text = await waitUntil("the heartbeat in the runtime log", () => {
      const now = textOf(path);
      return now.includes(`heartbeat C1 (127.0.0.1:${c.port})`) && now;
    });
    const lines = text.split("\n").filter(Boolean);
    expect(lines[0]).toBe("------------------------------");
    expect(lines[1]).toMatch(/^IS runtime log \(re\)started at UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    for (const line of lines.slice(2)) {
      if (line === "------------------------------" || line.startsWith("IS runtime log")) continue;
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} \S/);
    }
    expect(text).toContain(` Added UDP Client A1 on host 127.0.0.1:${a.port}\n`);
    expect(text).toContain(" A1>IS PING\n");
    expect(text).toContain(" IS>A1 PONG\n");
    expect(text).toContain(" A1>B1 FILTER 2\n".replace("A1>B1", "a1>b1"));
    expect(text).toContain(`heartbeat C1 (127.0.0.1:${c.port})`);
    expect(text).toContain("Ignored malformed message from 127.0.0.1");
    expect(statSync(path).mode & 0o002).toBe(0);
  });
});

describe("command line and lifecycle", () => {
  test("-v and --version print the version line", async () => {
    for (const args of [["-v"], ["server", "--version"]]) {
      const p = Bun.spawnSync([ISIS_BIN, ...args]);
      expect(p.exitCode).toBe(0);
      expect(p.stdout.toString()).toMatch(/^isis version \d+\.\d+\.\d+ \(\S+ \S+\) commit (?:[0-9a-f]{12}(?:-dirty)?|unknown)\n$/);
    }
  });

  test("--help shows usage and never starts a server", () => {
    for (const [args, usage] of [
      [["server", "--help"], "Usage: isis server"],
      [["-d", "--help"], "Usage: isis server"],
      [["install", "-h"], "Usage: sudo isis install"],
    ] as const) {
      const p = Bun.spawnSync([ISIS_BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, timeout: 5000 });
      expect(p.exitCode).toBe(0);
      expect(p.stdout.toString()).toContain(usage);
      expect(p.stdout.toString()).not.toContain("server started");
    }
  });

  test("an explicit -f to a missing file: one line, exit 1", () => {
    const p = Bun.spawnSync([ISIS_BIN, "-d", "-f", "/nonexistent/isis.ini"]);
    expect(p.exitCode).toBe(1);
    const err = p.stderr.toString().trim();
    expect(err).toBe("isis: cannot read config file /nonexistent/isis.ini: no such file");
  });

  test("an invalid config file: one line naming file and line, exit 1", () => {
    const path = join(makeTempDir(), "bad.ini");
    writeFileSync(path, "ServerID IS\nServerPort banana\n");
    const p = Bun.spawnSync([ISIS_BIN, "-d", `-f${path}`]);
    expect(p.exitCode).toBe(1);
    expect(p.stderr.toString().trim()).toEndWith(`${path}:2: ServerPort 'banana' is not a port number (0-65535)`);
  });

  test("an unknown subcommand or option is a usage error, exit 1", () => {
    const p = Bun.spawnSync([ISIS_BIN, "frobnicate"]);
    expect(p.exitCode).toBe(1);
    expect(p.stderr.toString()).toContain("unknown command 'frobnicate'");
  });

  test("the legacy form -d -fFILE starts the server; SIGTERM stops it cleanly with the log flushed", async () => {
    const dir = makeTempDir();
    // The field's config files are named isis_MODS1.ini: an underscore in -fPATH once crashed the command line.
    const path = join(dir, "isis_MODS1.ini");
    writeFileSync(path, `ServerID IX\nServerPort 0\nServerLog ${dir}/isis\nLogDate UTC\n`);
    const proc = Bun.spawn([ISIS_BIN, "-d", `-f${path}`], { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!/on port \d+/.test(out)) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} ISIS server version \S+ started in daemon mode\n/);
    const port = Number(out.match(/server started as host IX on port (\d+)/)?.[1]);
    const client = await UdpClient.open();
    expect(await client.request("Z1>IX PING\r", port)).toBe("IX>Z1 PONG\r");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    client.close();
    const log = readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".log")) as string), "utf8");
    expect(log).toContain(" IX>Z1 PONG\n");
    expect(log).toContain("shutting down (SIGTERM)");
  });

  test("a preset port that is closed at start is survived (the old server's agents are often down)", async () => {
    const gone = await UdpClient.open();
    const closedPort = gone.port;
    gone.close();
    const s = await startServer({ config: `UDPPort 127.0.0.1 ${closedPort}\n` });
    const q = await UdpClient.open();
    // The PING to the closed port has gone out (and the kernel's "port unreachable" is on the server's socket).
    await s.waitFor(/cold start done/);
    expect(await q.request("Q1>IS PING\r", s.port)).toBe("IS>Q1 PONG\r");
    expect(await s.stop()).toBe(0);
    q.close();
  });

  test("EXEC: QUIT answers, then the server exits 0", async () => {
    const s = await startServer();
    const q = await UdpClient.open();
    expect(await q.request("Q1>IS EXEC: QUIT\r", s.port)).toBe("IS>Q1 DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r");
    expect(await s.proc.exited).toBe(0);
    q.close();
  });

  // The embedded default listens on 6600, which something on this machine may
  // hold: the server runs in a network namespace of its own (loopback only),
  // where 6600 is free, and the client joins it there.
  test.skipIf(!canUnshareNet())("with no -f and no default config file, the embedded default is used and announced, on port 6600", async () => {
    const dir = makeTempDir();
    const proc = Bun.spawn(["unshare", "-rn", "--", "sh", "-c", `ip link set lo up && exec "$0" -d`, ISIS_BIN], {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const out: string[] = [];
      void (async () => {
        for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) out.push(chunk);
      })();
      const text = await waitUntil("the server's start line", () => /on port \d+/.test(out.join("")) && out.join(""), { seen: () => out.join("") });
      expect(text).toContain("running on the embedded default");
      expect(text).toContain("server started as host IS on port 6600");
      // proc.pid is the server itself (sh execs it): its namespace is where the client goes.
      const cmd = Bun.spawnSync([
        "nsenter",
        "-t",
        String(proc.pid),
        "-U",
        "-n",
        "--preserve-credentials",
        ISIS_BIN,
        "cmd",
        "--host",
        "127.0.0.1",
        "is",
        "ping",
      ]);
      expect(cmd.stdout.toString()).toBe("PONG\n");
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
    }
  });
});

/** A network namespace of our own can be made here (unshare, ip; root or unprivileged user namespaces). */
function canUnshareNet(): boolean {
  const probe =
    Bun.which("unshare") && Bun.which("ip") ? Bun.spawnSync(["unshare", "-rn", "--", "ip", "link", "set", "lo", "up"], { stderr: "pipe" }) : undefined;
  if (probe?.exitCode === 0) return true;
  console.warn(`skipped: cannot make a network namespace here (unshare -rn: ${probe?.stderr.toString().trim() || "unshare or ip not found"})`);
  return false;
}

function utcKey(): string {
  return new Date().toISOString().slice(0, 10).replaceAll("-", "");
}
