import { describe, expect, test } from "bun:test";
import { type CmdOptions, parseCmdArgs, parseTimeout } from "../../src/client/args.ts";
import { parseHostPort } from "../../src/client/shared-args.ts";

function options(argv: string[]): CmdOptions {
  const parsed = parseCmdArgs(argv);
  if (parsed.action !== "run") throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

describe("instrument options", () => {
  test.each([
    [["--mods1", "is", "status"], "mods1"],
    [["--mods2", "is", "status"], "mods2"],
    [["-m", "1", "is", "status"], "mods1"],
    [["-m", "2", "is", "status"], "mods2"],
    [["--mods", "2", "is", "status"], "mods2"],
    [["--mods=1", "is", "status"], "mods1"],
    [["-m2", "is", "status"], "mods2"],
    // Perl's Getopt::Long took long names after one dash; old scripts may use them.
    [["-mods1", "is", "status"], "mods1"],
    [["-mods", "2", "is", "status"], "mods2"],
    // The last instrument option wins.
    [["--mods1", "--mods2", "is", "status"], "mods2"],
    [["-m", "1", "--mods2", "-m", "1", "is", "status"], "mods1"],
    // Any section of the table: a lab or test server beside the instruments'.
    [["--instrument", "Lab", "is", "status"], "lab"],
    [["--instrument=isis_test", "ix", "status"], "isis_test"],
  ])("%j selects %s", (argv, instrument) => {
    expect(options(argv).instrument).toBe(instrument);
  });

  test("no instrument option leaves the choice to the host name", () => {
    expect(options(["is", "status"]).instrument).toBeUndefined();
  });

  test.each([["3"], ["0"], ["x"]])("-m %s is the old client's error, exit 2", (value) => {
    expect(parseCmdArgs(["-m", value, "is", "status"])).toEqual({
      action: "error",
      message: `** ERROR: Invalid argument '${value}' for -m: must be 1 or 2.`,
      exitCode: 2,
      legacy: true,
    });
  });

  test("--instrument takes a section name, nothing that could be a path", () => {
    expect(parseCmdArgs(["--instrument", "../etc", "is", "status"])).toMatchObject({
      action: "error",
      message: expect.stringContaining("invalid --instrument '../etc'"),
    });
  });

  test("a later valid instrument option overrides a bad -m", () => {
    expect(options(["-m", "3", "--mods1", "is", "status"]).instrument).toBe("mods1");
  });
});

describe("the destination ends the options", () => {
  test("words after the destination are the command, even ones that look like options", () => {
    const parsed = options(["--mods1", "m1.ie", "offset", "-5", "--x", "-t", "9", "--mods2"]);
    expect(parsed.dest).toBe("m1.ie");
    expect(parsed.words).toEqual(["offset", "-5", "--x", "-t", "9", "--mods2"]);
    expect(parsed.instrument).toBe("mods1");
    expect(parsed.timeoutSeconds).toBe(0);
  });

  test("-- ends the options too", () => {
    const parsed = options(["--mods1", "--", "m1.ie", "go"]);
    expect(parsed.dest).toBe("m1.ie");
    expect(parsed.words).toEqual(["go"]);
  });
});

describe("timeout", () => {
  test.each([
    [["-t", "5"], 5],
    [["-t5"], 5],
    [["--timeout", "2.5"], 2.5],
    [["--timeout=10"], 10],
    [["-timeout", "3"], 3],
    [[], 0],
  ])("%j waits %d seconds", (flags, seconds) => {
    expect(options([...flags, "is", "status"]).timeoutSeconds).toBe(seconds);
  });

  test("a negative timeout is a usage error, exit 1", () => {
    expect(parseCmdArgs(["-t", "-1", "is", "status"])).toMatchObject({ action: "error", exitCode: 1, legacy: false });
    expect(parseTimeout("-1")).toBe("invalid timeout '-1': must be 0 or positive");
  });

  test("a timeout that is not a number is a usage error", () => {
    expect(parseCmdArgs(["-t", "soon", "is", "status"])).toMatchObject({ action: "error", exitCode: 1 });
  });
});

describe("help, version, usage", () => {
  test("--help wins over everything, even a bad -m", () => {
    expect(parseCmdArgs(["-m", "3", "--help"])).toEqual({ action: "help" });
  });

  test("-V and --version print the version", () => {
    expect(parseCmdArgs(["-V"])).toEqual({ action: "version" });
    expect(parseCmdArgs(["--version", "is", "status"])).toEqual({ action: "version" });
  });

  test("-v is verbose, not the version", () => {
    expect(options(["-v", "is", "status"]).verbose).toBe(true);
    expect(options(["--verbose", "is", "status"]).verbose).toBe(true);
    expect(options(["is", "status"]).verbose).toBe(false);
  });

  test("no arguments, or options only, asks for the usage (exit 1), before the -m check", () => {
    expect(parseCmdArgs([])).toEqual({ action: "usage" });
    expect(parseCmdArgs(["--mods1"])).toEqual({ action: "usage" });
    expect(parseCmdArgs(["-m", "3"])).toEqual({ action: "usage" });
  });

  test("a destination with no command is a usage error", () => {
    expect(parseCmdArgs(["--mods1", "is"])).toEqual({
      action: "error",
      message: "no command given after the destination 'is'",
      exitCode: 1,
      legacy: false,
    });
  });
});

describe("bad options", () => {
  test.each([["--nope"], ["-x"], ["--mods1=yes"], ["-vv"]])("%s is an unknown option, exit 1", (flag) => {
    expect(parseCmdArgs([flag, "is", "status"])).toEqual({
      action: "error",
      message: `unknown option '${flag}'`,
      exitCode: 1,
      legacy: false,
    });
  });

  test.each([["-m"], ["-t"], ["--host"], ["--config"], ["--id"], ["--server"]])("%s without a value is a usage error", (flag) => {
    expect(parseCmdArgs([flag])).toEqual({ action: "error", message: `option '${flag}' needs a value`, exitCode: 1, legacy: false });
  });
});

describe("direct use", () => {
  test("--host, --id, --server and --config are read", () => {
    const parsed = options(["--host", "127.0.0.1:6601", "--id", "ENG1", "--server", "IS2", "--config", "/tmp/x.ini", "is", "status"]);
    expect(parsed.host).toEqual({ host: "127.0.0.1", port: 6601 });
    expect(parsed.id).toBe("ENG1");
    expect(parsed.server).toBe("IS2");
    expect(parsed.config).toBe("/tmp/x.ini");
  });

  test.each([
    ["127.0.0.1", { host: "127.0.0.1" }],
    ["localhost:7000", { host: "localhost", port: 7000 }],
    ["::1", { host: "::1" }],
    ["[::1]:7000", { host: "::1", port: 7000 }],
  ])("--host %s", (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  test.each([["127.0.0.1:0"], ["127.0.0.1:70000"], ["127.0.0.1:x"], [":6600"], ["127.0.0.1:"]])("--host %s is rejected", (text) => {
    expect(typeof parseHostPort(text)).toBe("string");
    expect(parseCmdArgs(["--host", text, "is", "status"])).toMatchObject({ action: "error", exitCode: 1 });
  });
});
