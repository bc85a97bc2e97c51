// The system clock is stepped (NTP after a long outage, an operator): the
// runtime log follows the date it is told, in either direction, and loses
// nothing.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeLog } from "../../src/log/runtime-log.ts";
import { makeTempDir } from "../helpers/server.ts";

const at = (iso: string) => Date.parse(`${iso}Z`);

test("a clock stepped back a day and forward again writes each entry to the file of its date, nothing lost", async () => {
  const dir = makeTempDir("isis-log-");
  let now = at("2025-09-15T14:00:00");
  const problems: string[] = [];
  const log = new RuntimeLog({
    root: join(dir, "isis"),
    utc: true,
    serverId: "IS",
    enabled: true,
    clock: () => now,
    onProblem: (_priority, m) => problems.push(m),
  });
  log.write("before the step");
  now = at("2025-09-14T14:00:00.5"); // back a day, within the same wall second-of-minute
  log.write("after stepping back");
  now = at("2025-09-14T14:00:00.2"); // and a little further back, the same second
  log.write("earlier still");
  now = at("2025-09-16T01:00:00");
  log.write("after stepping forward");
  await log.close();
  expect(problems).toEqual([]);
  expect(readdirSync(dir).sort()).toEqual(["isis.20250914.log", "isis.20250915.log", "isis.20250916.log"]);
  expect(readFileSync(join(dir, "isis.20250915.log"), "utf8")).toEndWith("2025-09-15T14:00:00.000000 before the step\n");
  const back = readFileSync(join(dir, "isis.20250914.log"), "utf8");
  expect(back).toContain("2025-09-14T14:00:00.500000 after stepping back\n");
  expect(back).toContain("2025-09-14T14:00:00.200000 earlier still\n");
  expect(readFileSync(join(dir, "isis.20250916.log"), "utf8")).toEndWith("2025-09-16T01:00:00.000000 after stepping forward\n");
});
