// Command-line checks shared by install and uninstall. (Refusing a non-root
// user is tested against the compiled binary in test/e2e/install.test.ts.)
import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/commands/_shared.ts";
import { absolutePath, rejectUnknownArgs, resolveTarget } from "../../src/installer/cli.ts";
import { systemRunner } from "../../src/installer/runner.ts";

const declared = ["config", "f", "now", "dry-run", "dryRun", "root"];

describe("rejectUnknownArgs", () => {
  test("accepts every declared option, in its --no-, --x=v and short forms", () => {
    expect(() => rejectUnknownArgs(["--now", "--no-now", "--dry-run", "--root=/x", "-f", "/c", "--config", "/c"], [], declared)).not.toThrow();
  });

  test("a misspelt option is an error, so `--dryrun` can never become a real install", () => {
    expect(() => rejectUnknownArgs(["--dryrun"], [], declared)).toThrow(new UsageError("unknown option '--dryrun'"));
  });

  test("a stray positional argument is an error", () => {
    expect(() => rejectUnknownArgs(["now"], ["now"], declared)).toThrow(new UsageError("unexpected argument 'now'"));
  });
});

describe("resolveTarget", () => {
  test("--root DIR stages under the absolute DIR with no runner, so no command can run", () => {
    const t = resolveTarget("install", { root: "stage" });
    expect(t.root).toBe(`${process.cwd()}/stage`);
    expect(t.runner).toBeUndefined();
  });

  test("--root / and an empty --root are refused", () => {
    expect(() => resolveTarget("install", { root: "/" })).toThrow("--root / is the live system");
    expect(() => resolveTarget("install", { root: "//" })).toThrow("--root / is the live system");
    expect(() => resolveTarget("install", { root: "" })).toThrow("--root needs a directory");
  });

  test("without --root the target is the live system, with the system runner", () => {
    const t = resolveTarget("install", { "dry-run": true });
    expect(t).toMatchObject({ root: "/", dryRun: true });
    expect(t.runner).toBe(systemRunner);
  });
});

describe("absolutePath", () => {
  test("a relative --config is refused: the service does not run from here", () => {
    expect(() => absolutePath("--config", "isis.ini")).toThrow("--config needs an absolute path, got 'isis.ini'");
    expect(absolutePath("--config", "/home/dts/Config/../Config/isis.ini")).toBe("/home/dts/Config/isis.ini");
    expect(absolutePath("--config", undefined)).toBeUndefined();
  });
});
