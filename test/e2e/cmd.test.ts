// `isis cmd` and the `isisCmd` symlink, run as the compiled dist/isis
// (build first: `npx bun script/build.ts`), on 127.0.0.1 only:
//  1. against a scripted agent standing in the server's place, to see the
//     exact datagram on the wire and what the client does on its own;
//  2. through the real compiled server, with the agent registered behind it;
//  3. with instrument tables (INI files) instead of --host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { TestAgent } from "../client/_agent.ts";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

const dir = makeTempDir("isis-cmd-e2e-");
const ISIS_CMD = join(dir, "isisCmd");
symlinkSync(ISIS_BIN, ISIS_CMD);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The two ways operators start the client. */
const INVOCATIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["isis cmd", [ISIS_BIN, "cmd"]],
  ["isisCmd", [ISIS_CMD]],
];

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

function spawnClient(command: readonly string[], args: readonly string[], env: Record<string, string | undefined> = {}) {
  return Bun.spawn([...command, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
}

async function run(command: readonly string[], args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const proc = spawnClient(command, args, env);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

const isisCmd = (args: readonly string[], env?: Record<string, string | undefined>) => run([ISIS_CMD], args, env);

describe("against a scripted agent in the server's place", () => {
  let agent: TestAgent;
  let direct: string[];
  beforeAll(async () => {
    agent = await TestAgent.open("IS");
    direct = ["--host", `127.0.0.1:${agent.port}`, "--id", "IPC1"];
  });
  afterAll(() => agent.close());

  test("sends ID>DEST command\\r with every = as a space, from an ephemeral port", async () => {
    const before = agent.received.length;
    const result = await isisCmd([...direct, "m1.ie", "filter", "pos=2", "-5"]);
    expect(agent.received.slice(before).map((r) => r.text)).toEqual(["IPC1>M1.IE filter pos 2 -5\r"]);
    expect(result).toEqual({ stdout: "DONE: filter pos 2 -5\n", stderr: "", exitCode: 0 });
  });

  test("progress lines are plain lines when stdout is not a terminal, even without NO_COLOR", async () => {
    const result = await isisCmd([...direct, "m1.ie", "move"], { NO_COLOR: undefined });
    expect(result.stdout).toBe("STATUS: move Moving to POS=2\nSTATUS: move Still moving\nDONE: move POS=2\n");
    expect(result.stdout).not.toMatch(/[\x1b\r]/);
  });

  // util-linux `script` gives the client a pseudo-terminal as stdout. The
  // terminal turns \n into \r\n, but not always in time for the first
  // output, so that is undone here (the client itself never writes \r\n).
  const onTerminal = async (args: string[], env: Record<string, string | undefined>): Promise<Run> => {
    const result = await run(["script", "-qefc", [ISIS_CMD, ...args].join(" "), "/dev/null"], [], env);
    return { ...result, stdout: result.stdout.replaceAll("\r\n", "\n") };
  };

  test.skipIf(!Bun.which("script"))("on a terminal: one updating progress line, DONE: in cyan on its own line", async () => {
    const result = await onTerminal([...direct, "m1.ie", "move"], { NO_COLOR: undefined });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("\x1b[2KSTATUS: move Moving to POS=2\r\x1b[2KSTATUS: move Still moving\r\x1b[2K\x1b[36mDONE: move POS=2\x1b[0m\n");
  });

  test.skipIf(!Bun.which("script"))("on a terminal: ERROR: in red", async () => {
    const result = await onTerminal([...direct, "m1.ie", "fail"], { NO_COLOR: undefined });
    expect(result).toMatchObject({ exitCode: 2, stdout: "\x1b[2K\x1b[31m*** ERROR: fail Motor stalled at POS=1\x1b[0m\n" });
  });

  test.skipIf(!Bun.which("script"))("on a terminal with NO_COLOR set: no escapes at all", async () => {
    const result = await onTerminal([...direct, "m1.ie", "move"], { NO_COLOR: "1" });
    expect(result.stdout).toBe("STATUS: move Moving to POS=2\nSTATUS: move Still moving\nDONE: move POS=2\n");
  });

  test("a reply ended \\n\\r (the C server's STATUS) is one line, no blank line after it", async () => {
    expect(await isisCmd([...direct, "m1.ie", "crlf"])).toEqual({ stdout: "STATUS: crlf working\nDONE: crlf HostName=IS\n", stderr: "", exitCode: 0 });
  });

  test("control bytes and embedded newlines in replies are escaped: no forged line, nothing reaches the terminal raw", async () => {
    const result = await isisCmd([...direct, "m1.ie", "forge"], { NO_COLOR: undefined });
    expect(result).toEqual({
      stdout: "STATUS: forge a\\x0aDONE: forged\n*** ERROR: forge \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\n",
      stderr: "",
      exitCode: 2,
    });
  });

  test.skipIf(!Bun.which("script"))("on a terminal too, a hostile reply's escape sequences are shown, not obeyed", async () => {
    const result = await onTerminal([...direct, "m1.ie", "forge"], { NO_COLOR: undefined });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m");
    expect(result.stdout).not.toContain("\x1b]0;");
    expect(result.stdout).not.toContain("\x9b");
  });

  test("-t 99999999 (a script's 'wait for the long exposure') waits: past setTimeout's 2^31-1 ms limit", async () => {
    expect(await isisCmd([...direct, "-t", "99999999", "m1.ie", "slow"])).toEqual({
      stdout: "STATUS: slow 1\nSTATUS: slow 2\nSTATUS: slow 3\nDONE: slow\n",
      stderr: "",
      exitCode: 0,
    });
  });

  test("a command over the IMPv2 limit is refused before sending, naming the limit; one at the limit goes", async () => {
    const before = agent.received.length;
    // IPC1>M1.IE + space + command + \r: 2048 bytes with a command of 2036.
    for (const length of [2037, 2100, 100_000]) {
      const result = await isisCmd([...direct, "m1.ie", "x".repeat(length)]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `isis: command not sent: the message would be ${length + 12} bytes, over the IMPv2 limit of 2048 bytes (terminator included) (see isisCmd --help)\n`,
      );
    }
    // Multi-byte characters count as the bytes they are sent as (UTF-8).
    expect((await isisCmd([...direct, "m1.ie", "\u00e9".repeat(1019)])).stderr).toContain("would be 2050 bytes");
    expect(agent.received.length).toBe(before);
    // `fail` gets a short answer (an echo of 2036 bytes would be over the limit itself).
    const fits = await isisCmd([...direct, "m1.ie", "fail", "y".repeat(2031)]);
    expect(fits.stdout).toBe("*** ERROR: fail Motor stalled at POS=1\n");
    expect(agent.received.slice(before).map((r) => r.text.length)).toEqual([2048]);
  });

  test("-v echoes the command and shows the replies in full", async () => {
    const result = await isisCmd(["-v", ...direct, "m1.ie", "warn"]);
    expect(result.stdout).toBe(`127.0.0.1:m1.ie> warn\nM1.IE>IPC1 WARNING: warn Temperature high\nM1.IE>IPC1 DONE: warn\n`);
    expect(result.exitCode).toBe(0);
  });

  test("FATAL: is a failure, exit 2", async () => {
    expect(await isisCmd([...direct, "m1.ie", "fatal"])).toEqual({ stdout: "*** FATAL: fatal Power lost\n", stderr: "", exitCode: 2 });
  });

  test("a bad node name is refused before anything is sent: one line, exit 1", async () => {
    const before = agent.received.length;
    const result = await isisCmd(["--host", `127.0.0.1:${agent.port}`, "--id", "NINECHARS", "m1.ie", "move"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("invalid --id: node name 'NINECHARS' is longer than 8 characters");
    expect(await isisCmd([...direct, "m1>ie", "move"])).toMatchObject({ exitCode: 1 });
    // Anything those clients had sent was queued at the agent before they exited: a marker sent now comes after it.
    const marker = await UdpClient.open();
    marker.send("MK>IS marker\r", agent.port);
    expect(await marker.next(3000)).toBe("IS>MK DONE: marker\r"); // the agent's answer: it has read the marker
    marker.close();
    expect(agent.received.slice(before).map((r) => r.text)).toEqual(["MK>IS marker\r"]);
  });

  test("Ctrl+C while waiting: a short message, exit 130", async () => {
    const before = agent.received.length;
    const proc = spawnClient([ISIS_CMD], [...direct, "m1.ie", "hang"]);
    await waitUntil("the request at the agent", () => agent.received.length > before, { timeoutMs: 3000 });
    expect(agent.received.length).toBe(before + 1);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(130);
    expect(await new Response(proc.stdout).text()).toBe("*** Interrupted by Ctrl+C while waiting for m1.ie\n");
  });
});

describe("no server", () => {
  test("a server port where nothing listens is reported at once (port unreachable), exit 2, even with no timeout", async () => {
    const gone = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { data() {} } });
    const closedPort = gone.port;
    gone.close();
    // With no -t the old client would wait forever; a hang here fails on the test timeout.
    const result = await isisCmd(["--host", `127.0.0.1:${closedPort}`, "is", "status"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe(`*** ERROR: no ISIS server is listening at 127.0.0.1:${closedPort} (port unreachable)\n`);
    expect(result.stderr).toBe("");
  });
});

describe("a server whose ServerID is not IS, asked without --server", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ configText: "ServerID M1SRV\nServerPort 0\nServerLog {dir}/logs/isis\nLogDate UTC\n" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("its No Route error ends the command at once, exit 2 (it used to wait forever)", async () => {
    const result = await isisCmd(["--host", `127.0.0.1:${server.port}`, "nobody", "ping"]);
    expect(result).toEqual({ stdout: "*** ERROR: No Route to Destination Host NOBODY - host is unknown/unlisted\n", stderr: "", exitCode: 2 });
  });

  test("asking it as IS: the request is routed to a node IS, unknown, and the No Route naming IS ends it", async () => {
    const result = await isisCmd(["--host", `127.0.0.1:${server.port}`, "-t", "5", "is", "status"]);
    expect(result).toEqual({ stdout: "*** ERROR: No Route to Destination Host IS - host is unknown/unlisted\n", stderr: "", exitCode: 2 });
  });
});

describe("client-side errors", () => {
  test("no arguments: the usage, exit 1", async () => {
    const result = await isisCmd([]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("Usage: isisCmd [options] DEST command...");
  });

  test("--help: the usage, exit 0", async () => {
    const result = await run([ISIS_BIN, "cmd"], ["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Usage: isis cmd [options] DEST command...");
  });

  test("-V: the version, exit 0", async () => {
    const result = await isisCmd(["-V"]);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout).toMatch(/^isis version \d+\.\d+\.\d+ \(.+\) commit \S+\n$/);
  });

  test("an unknown option: one line naming it and the help, exit 1", async () => {
    const result = await isisCmd(["--bogus", "is", "status"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("unknown option '--bogus' (see isisCmd --help)");
  });

  test("a negative timeout: exit 1", async () => {
    const result = await isisCmd(["-t", "-1", "--host", "127.0.0.1", "is", "status"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("invalid timeout '-1': must be 0 or positive");
  });

  test("-m 3: the old client's error, exit 2", async () => {
    expect(await isisCmd(["-m", "3", "is", "status"])).toEqual({
      stdout: "** ERROR: Invalid argument '3' for -m: must be 1 or 2.\n",
      stderr: "",
      exitCode: 2,
    });
  });

  // The default instrument comes from the host name; on a mods1/mods2 machine there is one.
  test.skipIf(/^mods[12]/i.test(hostname()))("no instrument and not on a MODS host: the old client's error, exit 2", async () => {
    const result = await isisCmd(["is", "status"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toStartWith("** ERROR: You did not specify which MODS Instrument to use\n");
  });
});

describe("through the real server", () => {
  let server: RunningServer;
  let agent: TestAgent;
  beforeAll(async () => {
    server = await startServer();
    agent = await TestAgent.open("AGENT");
    await agent.registerWith(server.port);
  });
  afterAll(async () => {
    agent?.close();
    await server?.stop();
  });

  describe.each(INVOCATIONS)("%s", (_name, command) => {
    const cmd = (args: string[]) => run(command, ["--host", `127.0.0.1:${server.port}`, "--id", "IPC1", ...args]);

    test("is status: the server's STATUS reply, exit 0", async () => {
      const result = await cmd(["is", "status"]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^DONE: STATUS HostName=IS HostAddr=\\S+:${server.port} rcFile=\\S+ .*\\n$`));
    });

    test("a host given by name is looked up (localhost, from /etc/hosts: no DNS query leaves the machine)", async () => {
      const result = await run(command, ["--host", `localhost:${server.port}`, "--id", "IPC1", "is", "ping"]);
      expect(result).toEqual({ stdout: "PONG\n", stderr: "", exitCode: 0 });
    });

    test("is hosts: the host table, with the agent and us in it", async () => {
      const result = await cmd(["is", "hosts"]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^DONE: HOST numHosts=2 maxHosts=32 host\d+=\S+ host\d+=\S+\n$/);
      expect(result.stdout).toContain("=AGENT");
      expect(result.stdout).toContain("=IPC1");
    });

    test("an unknown destination: the server's No Route error, exit 2", async () => {
      expect(await cmd(["nowhere", "go"])).toEqual({
        stdout: "*** ERROR: No Route to Destination Host NOWHERE - host is unknown/unlisted\n",
        stderr: "",
        exitCode: 2,
      });
    });

    test("a routed command: two STATUS: lines, then DONE:, exit 0", async () => {
      const before = agent.received.length;
      expect(await cmd(["agent", "move", "pos=2"])).toEqual({
        stdout: "STATUS: move Moving to POS=2\nSTATUS: move Still moving\nDONE: move POS=2\n",
        stderr: "",
        exitCode: 0,
      });
      expect(agent.received.slice(before).map((r) => r.text)).toEqual(["IPC1>AGENT move pos 2\r"]);
    });

    test("a routed command answered with ERROR:, exit 2", async () => {
      expect(await cmd(["agent", "fail"])).toEqual({ stdout: "*** ERROR: fail Motor stalled at POS=1\n", stderr: "", exitCode: 2 });
    });

    test("a routed command never answered, -t 1: the timeout error, exit 2", async () => {
      const started = Date.now();
      expect(await cmd(["-t", "1", "agent", "hang"])).toEqual({
        stdout: "*** ERROR: Command 'hang' timed out after 1 seconds\n",
        stderr: "",
        exitCode: 2,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });
  });

  describe("instrument tables", () => {
    let table: string;
    beforeAll(() => {
      table = join(dir, "instruments.ini");
      writeFileSync(table, `[mods1]\nhost = 127.0.0.1\nport = ${server.port}\nserver = IS\nid = IPC1\n`);
    });

    test("--config FILE --mods1: the instrument found, the command routed", async () => {
      const result = await isisCmd(["--config", table, "--mods1", "agent", "move"]);
      expect(result).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/DONE: move POS=2\n$/) });
    });

    test("ISIS_INSTRUMENTS names the file when --config does not; -m 1 is --mods1", async () => {
      const result = await run([ISIS_BIN, "cmd"], ["-m", "1", "is", "status"], { ISIS_INSTRUMENTS: table });
      expect(result).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^DONE: STATUS /) });
    });

    test("an instrument not in the file: an error naming the file, exit 2", async () => {
      expect(await isisCmd(["--config", table, "--mods2", "is", "status"])).toEqual({
        stdout: `** ERROR: instrument 'mods2' is not in ${table} (it has no [mods2] section)\n`,
        stderr: "",
        exitCode: 2,
      });
    });

    test("a missing file: an error naming the file, exit 2", async () => {
      const absent = join(dir, "absent.ini");
      const result = await isisCmd(["--mods1", "is", "status"], { ISIS_INSTRUMENTS: absent });
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toStartWith(`** ERROR: cannot read the instrument table ${absent}: no such file`);
    });
  });
});
