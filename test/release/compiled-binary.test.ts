// Why the release refuses a stripped binary: a compiled Bun binary that went
// through `strip` starts as the bare Bun CLI. Shown on the real dist/isis
// and the real `strip` (binutils), then caught by the release's check.
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { strippedProblem } from "../../script/compiled-binary.ts";
import { ISIS_BIN, makeTempDir } from "../helpers/server.ts";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

const hasStrip = Bun.which("strip") !== null;

test("dist/isis as built passes the release's check and runs as isis", async () => {
  expect(await strippedProblem(ISIS_BIN)).toBeUndefined();
  expect(Bun.spawnSync([ISIS_BIN, "-v"]).stdout.toString()).toStartWith("isis version ");
});

test.skipIf(!hasStrip)("stripped, it runs as the bare Bun CLI, and the release's check refuses it (skipped only without binutils' strip)", async () => {
  const dir = makeTempDir("isis-strip-");
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const stripped = join(dir, "isis");
  copyFileSync(ISIS_BIN, stripped);
  expect(Bun.spawnSync(["strip", stripped]).exitCode).toBe(0);
  expect(Bun.spawnSync([stripped, "-v"]).stdout.toString().trim()).toBe(Bun.version);
  expect(await strippedProblem(stripped)).toBe(`${stripped} was stripped (no .symtab): a stripped compiled Bun binary runs as the bare Bun CLI`);
});

test("the bare Bun runtime and a file that is not ELF are refused", async () => {
  expect(await strippedProblem(process.execPath)).toMatch(/holds no bundle/);
  expect(await strippedProblem(join(import.meta.dir, "compiled-binary.test.ts"))).toMatch(/is not an ELF file$/);
});
