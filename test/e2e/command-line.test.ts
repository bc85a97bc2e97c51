// The compiled binary's command line as the field types it: the old server's
// -fFILE form, and refusals of what no command knows (one line, exit 1).
import { describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { openPty } from "../helpers/pty.ts";
import { ISIS_BIN } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const run = (...args: string[]) => {
  const p = Bun.spawnSync([ISIS_BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdin: "ignore", timeout: 10_000 });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
};

/** Run with stdout on a real terminal (a pty) and NO_COLOR unset; returns what reached the terminal. */
async function onTerminal(...args: string[]): Promise<{ code: number | null; out: string }> {
  const pty = openPty();
  const slave = openSync(pty.slavePath, "r+");
  try {
    const env = { ...process.env };
    delete env.NO_COLOR;
    const proc = Bun.spawn([ISIS_BIN, ...args], { stdin: "ignore", stdout: slave, stderr: "pipe", env });
    const code = await proc.exited;
    return { code, out: pty.peek() };
  } finally {
    closeSync(slave);
    pty.close();
  }
}

const COMMANDS = ["server", "cmd", "monitor", "install", "uninstall"];
const ESC = "\x1b";

describe("options no command knows", () => {
  const refused: [string[], string][] = [
    [["-x"], "unknown option '-x'"],
    [["-d", "-x", "-f", "F"], "unknown option '-x'"],
    [["-D", "-f", "x.ini"], "unknown option '-D'"],
    [["server", "-f"], "option '-f' needs a value"],
    [["-d", "-f"], "option '-f' needs a value"],
    [["server", "extra"], "unexpected argument 'extra'"],
    [["-a_b"], "unknown option '-a' in '-a_b'"],
    [["install", "-a_b"], "unknown option '-a' in '-a_b'"],
    [["install", "--dryrun"], "unknown option '--dryrun'"],
    [["uninstall", "-x_y"], "unknown option '-x' in '-x_y'"],
    [["monitor", "-a_b"], "unknown option '-a_b'"],
    [["monitor", "--plain=yes"], "unknown option '--plain=yes'"],
    [["monitor", "extra"], "unexpected argument 'extra'"],
    [["cmd", "--nosuch", "is", "ping"], "unknown option '--nosuch'"],
    [["cmd", "-x_y", "is", "ping"], "unknown option '-x_y'"],
    [["cmd", "-t"], "option '-t' needs a value"],
    [["install", "--config"], "option '--config' needs a value"],
    [["uninstall", "now"], "unexpected argument 'now'"],
    [["nosuch"], "unknown command 'nosuch'"],
    [["help", "nosuch"], "unknown command 'nosuch'"],
    [["help", "server", "extra"], "unexpected argument 'extra'"],
  ];
  for (const [args, message] of refused) {
    test(`isis ${args.join(" ")}: one line, exit 1, nothing started`, () => {
      const r = run(...args);
      expect(r.code).toBe(1);
      expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.err).toStartWith(`isis: ${message}`);
      expect(r.out).toBe("");
    });
  }
});

describe("help", () => {
  test("isis help, isis --help and isis -h list every command, plain text, exit 0", () => {
    for (const args of [["help"], ["--help"], ["-h"]]) {
      const r = run(...args);
      expect(r.code).toBe(0);
      expect(r.err).toBe("");
      for (const name of [...COMMANDS, "help"]) expect(r.out).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
      expect(r.out).not.toContain(ESC);
    }
  });

  for (const name of COMMANDS) {
    test(`isis help ${name} is isis ${name} --help: usage and options, plain text, exit 0`, () => {
      const viaHelp = run("help", name);
      const viaFlag = run(name, "--help");
      expect(viaHelp.code).toBe(0);
      expect(viaFlag.code).toBe(0);
      expect(viaHelp.out).toBe(viaFlag.out);
      expect(viaHelp.out).toContain(`Usage: ${name === "install" || name === "uninstall" ? "sudo " : ""}isis ${name}`);
      expect(viaHelp.out).toContain("--version");
      expect(viaHelp.out).not.toContain(ESC);
    });
  }

  test("server --help names the old server's -fFILE form", () => {
    const out = run("server", "--help").out;
    expect(out).toContain("-f/home/dts/Config/isis_MODS1.ini");
    expect(out).toContain("-fFILE");
  });

  test("--help anywhere among a command's options prints its help and starts nothing", () => {
    const r = run("-d", "-x", "-f", "/nonexistent.ini", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: isis server");
  });

  test("on a real terminal, with NO_COLOR unset, help is still plain text", async () => {
    for (const args of [["help"], ["help", "server"], ["install", "--help"], ["cmd", "--help"], ["monitor", "--help"]]) {
      const r = await onTerminal(...args);
      expect(r.code).toBe(0);
      expect(r.out).toContain("Usage: ");
      expect(r.out).not.toContain(ESC);
    }
  });
});

describe("--version on every command", () => {
  const spellings = [
    ["--version"],
    ["-v"],
    ["server", "--version"],
    ["server", "-v"],
    ["help", "--version"],
    ...COMMANDS.slice(1).map((c) => [c, "--version"]),
  ];
  spellings.push(["cmd", "-V"], ["monitor", "-V"]);
  for (const args of spellings) {
    test(`isis ${args.join(" ")} prints the version line and exits 0`, () => {
      const r = run(...args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^isis version \d+\.\d+\.\d+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) commit (?:[0-9a-f]{12}(?:-dirty)?|unknown)\n$/);
    });
  }
});

describe("the old server's -fFILE form", () => {
  test("a config path holding underscores reaches the loader (here: a missing file, named exactly)", () => {
    const r = run("-d", "-f/nonexistent/Config/isis_MODS1.ini");
    expect(r.code).toBe(1);
    expect(r.err).toBe("isis: cannot read config file /nonexistent/Config/isis_MODS1.ini: no such file\n");
  });
});

describe("isis cmd passes every word after the destination through", () => {
  test("isisCmd m1.env set -a_b sends the word -a_b, it is not read as an option", async () => {
    const server = await UdpClient.open();
    const proc = Bun.spawn([ISIS_BIN, "cmd", "--host", `127.0.0.1:${server.port}`, "-t", "5", "m1.env", "set", "-a_b"], { stdout: "pipe", stderr: "pipe" });
    expect(await server.next(5000)).toBe("ISISCMD>M1.ENV set -a_b\r");
    proc.kill();
    await proc.exited;
    server.close();
  });
});
