// An attacker on the instrument network, against the compiled dist/isis with
// real UDP sockets, a real pty and an agent in C that reads messages as the
// field's agents do (test/helpers/c-agent.c: sscanf, isspace, strcasecmp).
// The attacker is a host of its own, 127.0.0.2; the operator and the agents
// are on 127.0.0.1, the only address ExecAllow lets send EXEC:.
//  1. every spelling of EXEC: (test/protocol/spellings.ts), to an agent, to
//     AL and to the server: none reaches the agent as an EXEC:, none stops
//     the server; the same spellings from the operator do reach it;
//  2. line breaks and other control bytes inside a datagram: never a second
//     line on a serial port nor a forged line in the runtime log;
//  4. a Pin added by RESTART or SIGHUP while an impostor holds the name;
//  5. long words thrown at every server command: no datagram over 2048
//     bytes, and `isis cmd is stats` still answered after a routed command
//     word of 1990 bytes.
// test/e2e/adversary-files.test.ts tries the files (config, log, state).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess, udp } from "bun";
import { SERVER_COMMANDS } from "../../src/core/commands.ts";
import { openPty, type Pty } from "../helpers/pty.ts";
import { ISIS_BIN, makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { Changes, textOf, waitUntil } from "../helpers/wait.ts";
import { EXECUTIVE_SPELLINGS } from "../protocol/spellings.ts";

const work = makeTempDir("isis-adversary-");
const AGENT_BIN = join(work, "c-agent");

/** The C agent: what each datagram it gets means to an agent built on the field's library. */
class CAgent {
  readonly seen: string[] = [];
  private readonly changed = new Changes();
  private readonly proc: Subprocess<"pipe", "pipe", "inherit">;

  constructor(name: string, port: number) {
    const proc = Bun.spawn([AGENT_BIN, name, String(port)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    this.proc = proc;
    void (async () => {
      let partial = "";
      for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        this.seen.push(...lines);
        this.changed.notify();
      }
    })();
  }

  /** Wait until it prints a line matching re after the first `from` lines; returns the lines from there up to it. */
  async until(re: RegExp, from = 0): Promise<string[]> {
    const found = () => {
      const i = this.seen.findIndex((l, n) => n >= from && re.test(l));
      return i === -1 ? undefined : i + 1;
    };
    const at = await waitUntil(`the C agent to print ${re}`, found, {
      on: this.changed,
      seen: () => this.seen.join("\n"),
    });
    return this.seen.slice(from, at);
  }

  async stop(): Promise<void> {
    await this.proc.stdin.end();
    await this.proc.exited;
  }
}

/** A UDP socket on 127.0.0.2: another host than the server's clients. */
async function attacker(): Promise<udp.Socket<"buffer">> {
  return Bun.udpSocket({ hostname: "127.0.0.2", socket: { error() {} } });
}

const send = (socket: udp.Socket<"buffer">, text: string, port: number) => socket.send(Buffer.from(text, "latin1"), port, "127.0.0.1");

let server: RunningServer;
let operator: UdpClient;
let tty: Pty;
let agent: CAgent;
let attack: udp.Socket<"buffer">;

beforeAll(async () => {
  const cc = Bun.spawnSync(["cc", "-O2", "-o", AGENT_BIN, resolve(import.meta.dir, "../helpers/c-agent.c")], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc test/helpers/c-agent.c failed (the suite needs a C compiler):\n${cc.stderr}`);
  tty = openPty();
  symlinkSync(tty.slavePath, join(work, "ttyM1"));
  server = await startServer({ config: `ExecAllow 127.0.0.1/32\nTTYPort ${join(work, "ttyM1")}\n` });
  expect(await tty.next()).toBe("IS>AL PING");
  tty.write("M1.IE>IS PING\r");
  expect(await tty.next()).toBe("IS>M1.IE PONG");
  operator = await UdpClient.open();
  expect(await operator.request("OP>IS PING\r", server.port)).toBe("IS>OP PONG\r");
  agent = new CAgent("AGENT", server.port);
  await agent.until(/^type=REQ command=PONG$/);
  attack = await attacker();
});

afterAll(async () => {
  attack?.close();
  operator?.close();
  await agent?.stop();
  await server?.stop();
  if (tty && !tty.closed) tty.close();
});

/** STATS counters, by name. */
async function stats(): Promise<(name: string) => number> {
  const reply = await operator.request("OP>IS STATS\r", server.port);
  const counters = new Map([...reply.matchAll(/ (\w+)=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
  return (name) => counters.get(name) ?? Number.NaN;
}

describe("1. EXEC: however it is spelt", () => {
  test("from outside ExecAllow no spelling reaches the agent as an EXEC:, or stops the server: to the agent, to AL, to the server", async () => {
    const before = await stats();
    let marks = 0;
    for (const spelling of EXECUTIVE_SPELLINGS) {
      const from = agent.seen.length;
      for (const dest of ["AGENT", "AL", "ALL", "IS"]) send(attack, `ATK>${dest} ${spelling}\r`, server.port);
      // The server handles datagrams in order: the mark comes after whatever it let through.
      send(attack, `ATK>AGENT MARK${++marks}\r`, server.port);
      const lines = await agent.until(new RegExp(`^type=REQ command=MARK${marks}$`), from);
      expect(lines).toEqual([`type=REQ command=MARK${marks}`]);
    }
    expect(await operator.request("OP>IS PING\r", server.port)).toBe("IS>OP PONG\r");
    expect(server.proc.exitCode).toBeNull();
    const after = await stats();
    // Each was refused by ExecAllow (and answered so) or, holding a line break, refused whole.
    expect(after("refused") - before("refused") + (after("controlBytes") - before("controlBytes"))).toBe(EXECUTIVE_SPELLINGS.length * 4);
    expect(after("broadcast") - before("broadcast")).toBe(0);
  });

  test("the same spellings from the operator, inside ExecAllow, are the EXEC: the agent runs (the agent reads them so)", async () => {
    let n = 0;
    for (const spelling of ["\tEXEC:\tquit", "EXEC:\tquit", " \t EXEC: \t quit", "exec: quit"]) {
      const from = agent.seen.length;
      operator.send(`OP>AGENT ${spelling}\r`, server.port);
      operator.send(`OP>AGENT MARK${++n}op\r`, server.port);
      expect(await agent.until(new RegExp(`^type=REQ command=MARK${n}op$`), from)).toEqual(["type=EXEC command=quit", `type=REQ command=MARK${n}op`]);
    }
  });

  test("the server reads its own commands the same way: `\\tPING` is a PING, `EXEC:\\tPING` an executive one", async () => {
    expect(await operator.request("OP>IS \tPING\r", server.port)).toBe("IS>OP PONG\r");
    expect(await operator.request("OP>IS EXEC:\tPING\r", server.port)).toBe("IS>OP PONG\r");
    const refused = await attacker();
    refused.send("ATK2>IS EXEC:\tPING\r", server.port, "127.0.0.1");
    expect(await operator.request("OP>IS PING\r", server.port)).toBe("IS>OP PONG\r");
    await waitUntil("the refusal in the runtime log", () => textOf(logPath()).includes("Refused executive request from ATK2 (127.0.0.2:"));
    refused.close();
  });
});

const logPath = () => `${server.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`;

describe("2. one datagram, one message", () => {
  const FORGERIES = [
    "STATUS: x\rIS>M1.IE EXEC: QUIT",
    "STATUS: x\nIS>M1.IE EXEC: QUIT",
    "STATUS: x\r\nIS>M1.IE EXEC: QUIT",
    "STATUS: x\x0bIS>M1.IE EXEC: QUIT",
    "STATUS: x\x0cIS>M1.IE EXEC: QUIT",
    "STATUS: x\x1b[2J\x1b]0;pwned\x07",
    "STATUS: x\0IS>M1.IE EXEC: QUIT",
    "\nIS>M1.IE EXEC: QUIT",
  ];

  test("a CR, LF or other control byte inside a datagram never reaches a serial client as a second line: refused whole, counted, logged escaped", async () => {
    const before = await stats();
    let n = 0;
    for (const body of FORGERIES) {
      for (const dest of ["M1.IE", "AL"]) send(attack, `ATK>${dest} ${body}\r`, server.port);
      send(attack, `ATK>M1.IE MARK${++n}\r`, server.port);
      // The next line on the serial port is the mark: nothing before it, whole or in pieces.
      expect(await tty.next()).toBe(`ATK>M1.IE MARK${n}`);
    }
    const after = await stats();
    expect(after("controlBytes") - before("controlBytes")).toBe(FORGERIES.length * 2);
    // The runtime log: every line one entry (a stamp, or the banner), the refusals with the bytes shown as \xNN.
    const log = await waitUntil("the last mark in the runtime log", () => {
      const text = textOf(logPath());
      return text.includes(`ATK>M1.IE MARK${n}`) && text;
    });
    for (const line of log.split("\n").filter(Boolean))
      expect(line).toMatch(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} |-{30}$|IS runtime log \(re\)started at UTC )/);
    expect(log).toContain("control byte 0x0d in message: 'ATK>M1.IE STATUS: x\\x0dIS>M1.IE EXEC: QUIT\\x0d'");
    expect(log).not.toMatch(/^IS>M1\.IE EXEC: QUIT/m);
  });

  test("TAB, DEL and bytes from 0x80 up pass as they came (UTF-8 text, latin1); the serial client gets them in one line", async () => {
    send(attack, "ATK>M1.IE OBJECT name='Be\xc5\xa1i\xc4\x87'\ttemp=20\xb0 \x7f\r", server.port);
    expect(await tty.next()).toBe("ATK>M1.IE OBJECT name='Be\xc5\xa1i\xc4\x87'\ttemp=20\xb0 \x7f");
  });

  test("a reply the server writes never carries what it refused: a datagram 2048 bytes long without a terminator is oversized (it would be 2049 forwarded)", async () => {
    const before = await stats();
    const body = "x".repeat(2048 - "ATK>M1.IE ".length);
    send(attack, `ATK>M1.IE ${body}`, server.port);
    send(attack, "ATK>M1.IE MARKsize\r", server.port);
    expect(await tty.next()).toBe("ATK>M1.IE MARKsize");
    expect((await stats())("oversized") - before("oversized")).toBe(1);
  });
});

describe("4. a Pin added by RESTART or SIGHUP", () => {
  for (const how of ["RESTART", "SIGHUP"] as const) {
    test(`${how}: the impostor loses the route at once and is not PINGed; the pinned address is, and gets its route back`, async () => {
      const dir = makeTempDir();
      const s = await startServer({ configText: `ServerID IS\nServerPort 0\nServerLog ${join(dir, "isis")}\nLogDate UTC\n` });
      const [impostor, real, op] = await Promise.all([UdpClient.open(), UdpClient.open(), UdpClient.open()]);
      try {
        expect(await impostor.request("M1.IE>IS PING\r", s.port)).toBe("IS>M1.IE PONG\r");
        expect(await op.request("OP>IS PING\r", s.port)).toBe("IS>OP PONG\r");
        writeFileSync(s.configPath, `${readFileSync(s.configPath, "latin1")}Pin M1.IE 127.0.0.1:${real.port}\n`);
        if (how === "RESTART") op.send("OP>IS RESTART\r", s.port);
        else s.proc.kill("SIGHUP");
        expect(await real.next()).toBe("IS>AL PING\r");
        await s.waitFor(
          new RegExp(`Refused the route of M1\\.IE to 127\\.0\\.0\\.1:${impostor.port}: the reloaded configuration pins it to 127\\.0\\.0\\.1:${real.port}`),
        );
        if (how === "RESTART") await op.nextMatching(/^IS>OP DONE: RESTART /);
        // The impostor's next datagram is its refusal: no PING was sent it before.
        expect(await impostor.request("M1.IE>IS PING\r", s.port)).toBe("IS>M1.IE ERROR: Node name M1.IE is pinned to another address, message refused\r");
        expect(await real.request("M1.IE>IS PING\r", s.port)).toBe("IS>M1.IE PONG\r");
        op.send("OP>M1.IE FILTER 2\r", s.port);
        expect(await real.next()).toBe("OP>M1.IE FILTER 2\r");
      } finally {
        for (const c of [impostor, real, op]) c.close();
        await s.stop();
      }
    });
  }
});

describe("5. no datagram over 2048 bytes", () => {
  test("every server command with long words in every place, to the server and to AL, from the longest name: every reply fits", async () => {
    // A server of its own: RESTART, HANDSHAKE and -LOG act on the server they are sent to.
    const s = await startServer();
    const client = await UdpClient.open();
    const replies: string[] = [];
    try {
      const room = 2048 - "LONGNAME>ALL ".length - 1;
      const long = (n: number) => "w".repeat(n);
      let sent = 0;
      for (const command of [...SERVER_COMMANDS.filter((c) => c !== "QUIT"), "NOSUCH", long(2000)]) {
        for (const args of [[], [long(2000)], ["1", long(2000)], ["FROM", long(2000)], ["ON", "NODE", long(2000)], ["ON", "TYPE", long(300)]]) {
          for (const dest of ["IS", "ALL"]) {
            client.send(`LONGNAME>${dest} ${`${command} ${args.join(" ")}`.slice(0, room)}\r`, s.port);
            // This answer comes after every reply to what was sent before it (RESTART's may come
            // later: it has no word to echo); one at a time, so no datagram is lost to a full queue.
            client.send(`LONGNAME>IS END${++sent}\r`, s.port);
            for (;;) {
              const text = await client.next(5000);
              replies.push(text);
              if (text === `IS>LONGNAME ERROR: Unrecognized ISIS command - END${sent}\r`) break;
            }
          }
        }
      }
      expect(sent).toBeGreaterThan(200);
      expect(replies.length).toBeGreaterThan(200);
      for (const text of replies) expect(text.length).toBeLessThanOrEqual(2048);
      expect(replies.some((r) => /Unrecognized ISIS command - w+\.\.\.\+\d+\r$/.test(r))).toBe(true);
    } finally {
      client.close();
      await s.stop();
    }
  });

  test("after a routed command word of 1990 bytes, `isis cmd is stats` and `isis cmd is inflight` still get their answers", async () => {
    const word = "Z".repeat(1990);
    const from = agent.seen.length;
    operator.send(`OP>AGENT ${word}\r`, server.port);
    await agent.until(new RegExp(`^type=REQ command=${word}$`), from);
    for (const command of ["stats", "inflight"]) {
      const run = Bun.spawnSync([ISIS_BIN, "cmd", "--host", `127.0.0.1:${server.port}`, "is", command], { stdout: "pipe", stderr: "pipe" });
      expect(run.stderr.toString()).toBe("");
      expect(run.exitCode).toBe(0);
      expect(run.stdout.toString()).toContain(command === "stats" ? "STATS" : "INFLIGHT");
    }
    const reply = await operator.request("OP>IS INFLIGHT\r", server.port);
    expect(reply.length).toBeLessThanOrEqual(2048);
    expect(reply).toMatch(/,Z{40,}\.\.\.\+\d+,age:/);
  });
});
