// The strict option parser behind `isis server`, `isis install` and `isis uninstall`.
import { describe, expect, test } from "bun:test";
import { parseOptions } from "../../src/commands/_args.ts";
import { UsageError } from "../../src/commands/_shared.ts";

const server = {
  daemon: { type: "boolean", alias: "d" },
  file: { type: "string", alias: "f" },
  version: { type: "boolean", alias: "v" },
} as const;
const parse = (...args: string[]) => parseOptions("isis server", server, args);
const refusal = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
};

describe("parseOptions", () => {
  test("the old server's -fFILE takes the rest of the word, underscores and all", () => {
    expect(parse("-d", "-f/home/dts/Config/isis_MODS1.ini")).toEqual({ daemon: true, file: "/home/dts/Config/isis_MODS1.ini" });
    expect(parse("-f_a-b_c.ini")).toEqual({ file: "_a-b_c.ini" });
  });

  test("every spelling of a value option gives the same value", () => {
    for (const args of [["-f", "x_y.ini"], ["-fx_y.ini"], ["-f=x_y.ini"], ["--file", "x_y.ini"], ["--file=x_y.ini"], ["-df", "x_y.ini"], ["-dfx_y.ini"]]) {
      expect(parse(...args).file).toBe("x_y.ini");
    }
    expect(parse("-df", "x.ini").daemon).toBe(true);
  });

  test("an option not declared is refused by name, in any form", () => {
    expect(refusal("-x")).toBe("unknown option '-x' (see isis server --help)");
    expect(refusal("-D", "-f", "x.ini")).toStartWith("unknown option '-D'");
    expect(refusal("-d", "-x", "-f", "F")).toStartWith("unknown option '-x'");
    expect(refusal("-a_b")).toStartWith("unknown option '-a' in '-a_b'");
    expect(refusal("--dryrun")).toStartWith("unknown option '--dryrun'");
    expect(refusal("--_")).toStartWith("unknown option '--_'");
    expect(refusal("--f", "x")).toStartWith("unknown option '--f'");
  });

  test("a value option without its value is refused, never read as an empty name or the next option", () => {
    expect(refusal("-f")).toStartWith("option '-f' needs a value");
    expect(refusal("--file")).toStartWith("option '--file' needs a value");
    expect(refusal("-f", "-d")).toStartWith("option '-f' needs a value");
    expect(refusal("--file=")).toStartWith("option '--file' needs a value");
    expect(refusal("-f=")).toStartWith("option '-f' needs a value");
  });

  test("a flag given a value, and stray words, are refused", () => {
    expect(refusal("--daemon=yes")).toStartWith("option '--daemon' takes no value");
    expect(refusal("now")).toStartWith("unexpected argument 'now'");
    expect(refusal("--", "x")).toStartWith("unexpected argument 'x'");
    expect(refusal("-")).toStartWith("unexpected argument '-'");
  });

  test("options named like object members are not special", () => {
    expect(refusal("--constructor")).toStartWith("unknown option '--constructor'");
    expect(refusal("--__proto__")).toStartWith("unknown option '--__proto__'");
  });
});
