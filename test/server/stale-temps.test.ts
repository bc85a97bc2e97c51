// The state file's temporary files a killed server leaves behind
// (replace-file's hidden `.NAME.PID-...tmp`, and the older `PATH.tmp-PID`):
// removed at the next start, unless a live process owns them.
import { afterAll, expect, test } from "bun:test";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { removeStaleTemps } from "../../src/server/state-file.ts";
import { replaceWith, tempFileOwner } from "../../src/shared/replace-file.ts";
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

test("the hidden temps replace-file makes are known by their maker: a dead process's go, a live one's stay", async () => {
  const path = join(dir, "isis-hosts.json");
  // The name replaceWith really gives its temp file (caught in the act: the temp is removed on failure).
  let made = "";
  await replaceWith(path, async (temp) => {
    made = basename(temp);
    throw new Error("killed here");
  }).catch(() => undefined);
  expect(tempFileOwner("isis-hosts.json", made)).toBe(process.pid);
  const dead = Bun.spawnSync(["true"]).pid;
  const ofDead = made.replace(`.${process.pid}-`, `.${dead}-`);
  const ofLive = made.replace(`.${process.pid}-`, `.${process.ppid}-`);
  for (const name of [ofDead, ofLive, ".isis-hosts.json.0a1b2c3d.tmp", `.other.json.${dead}-x-1.tmp`]) writeFileSync(join(dir, name), "{}");
  expect(await removeStaleTemps(path)).toEqual([ofDead]);
  expect(readdirSync(dir)).toEqual(expect.arrayContaining([ofLive, ".isis-hosts.json.0a1b2c3d.tmp", `.other.json.${dead}-x-1.tmp`]));
});

test("a directory that cannot be listed removes nothing and throws nothing", async () => {
  expect(await removeStaleTemps(join(dir, "missing", "isis.hosts.json"))).toEqual([]);
});
