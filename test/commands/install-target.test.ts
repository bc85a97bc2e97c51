// Command-line checks shared by install and uninstall. (Refusing a non-root
// user is tested against the compiled binary in test/e2e/install.test.ts.)
import { describe, expect, test } from "bun:test";
import { absolutePath, resolveTarget } from "../../src/commands/_install-target.ts";
import { systemRunner } from "../../src/installer/runner.ts";

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
