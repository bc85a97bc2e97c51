// The state file's temporary files a killed server leaves behind
// (`PATH.tmp-PID`): removed at the next start, unless a live process owns them.
import { afterAll, expect, test } from "bun:test";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeStaleTemps } from "../../src/server/state-file.ts";
import { makeTempDir } from "../helpers/server.ts";

const dir = makeTempDir("isis-stale-temps-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("temps of dead processes and of this one go; a live process's, other files and other names stay", async () => {
  const path = join(dir, "isis.hosts.json");
  // A process that has exited: its PID is free (until reused, which the check covers).
  const dead = Bun.spawnSync(["true"]).pid;
  const names = [
    "isis.hosts.json",
    `isis.hosts.json.tmp-${dead}`,
    `isis.hosts.json.tmp-${process.pid}`,
    `isis.hosts.json.tmp-${process.ppid}`,
    "isis.hosts.json.tmp-abc",
    `other.hosts.json.tmp-${dead}`,
  ];
  for (const name of names) writeFileSync(join(dir, name), "{}");
  const removed = await removeStaleTemps(path);
  expect(removed.sort()).toEqual([`isis.hosts.json.tmp-${dead}`, `isis.hosts.json.tmp-${process.pid}`].sort());
  expect(readdirSync(dir).sort()).toEqual(
    ["isis.hosts.json", `isis.hosts.json.tmp-${process.ppid}`, "isis.hosts.json.tmp-abc", `other.hosts.json.tmp-${dead}`].sort(),
  );
});

test("a hidden .NAME.HEX.tmp (a file replaced whole under a random name) goes once it is a minute old, not before", async () => {
  const path = join(dir, "isis-hosts.json");
  for (const name of [".isis-hosts.json.0a1b2c3d.tmp", ".isis-hosts.json.99aa.tmp", ".isis-hosts.json.zz.tmp", ".other.json.0a1b2c3d.tmp"])
    writeFileSync(join(dir, name), "{}");
  const mtime = Date.now();
  expect(await removeStaleTemps(path, () => true, mtime + 30_000)).toEqual([]);
  expect((await removeStaleTemps(path, () => true, mtime + 61_000)).sort()).toEqual([".isis-hosts.json.0a1b2c3d.tmp", ".isis-hosts.json.99aa.tmp"]);
  expect(readdirSync(dir).filter((n) => n.startsWith("."))).toEqual(expect.arrayContaining([".isis-hosts.json.zz.tmp", ".other.json.0a1b2c3d.tmp"]));
});

test("a directory that cannot be listed removes nothing and throws nothing", async () => {
  expect(await removeStaleTemps(join(dir, "missing", "isis.hosts.json"))).toEqual([]);
});
