// The compiled binary's command line as the field types it: the old server's
// -fFILE form, and refusals of what no command knows (one line, exit 1).
import { describe, expect, test } from "bun:test";
import { ISIS_BIN } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const run = (...args: string[]) => {
  const p = Bun.spawnSync([ISIS_BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, timeout: 10_000 });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
};

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
