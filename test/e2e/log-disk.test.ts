// The runtime log's disk is full (the day's file is /dev/full: every write
// is ENOSPC) or its directory is read-only: the compiled server routes on,
// says so once, and picks the log up again when the disk comes back.
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const utcKey = () => new Date().toISOString().slice(0, 10).replaceAll("-", "");

/** 300 PINGs and a routed message, all answered, while the log cannot be written. */
async function routesOn(server: RunningServer): Promise<void> {
  const a = await UdpClient.open();
  const b = await UdpClient.open();
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  for (let i = 0; i < 300; i++) expect(await a.request(`A1>IS PING ${i}\r`, server.port)).toBe("IS>A1 PONG\r");
  expect(await b.request("B1>IS PING\r", server.port)).toBe("IS>B1 PONG\r");
  a.send("A1>B1 still routing\r", server.port);
  expect(await b.next()).toBe("A1>B1 still routing\r");
}

/**
 * A directory nobody may write in (0555). Root ignores modes, so when the
 * tests run as root the server is run as nobody (65534) instead.
 */
function readOnlyDir(): { dir: string; asUser: number | undefined } {
  const dir = makeTempDir("isis-ro-");
  chmodSync(dir, 0o555);
  return { dir, asUser: process.getuid?.() === 0 ? 65534 : undefined };
}

describe("runtime log disk trouble", () => {
  test("a full disk: routing goes on, the failure is reported once, and recovery too", async () => {
    const dir = makeTempDir("isis-full-");
    const file = join(dir, `isis.${utcKey()}.log`);
    symlinkSync("/dev/full", file);
    const server = await startServer({ config: `ServerLog ${join(dir, "isis")}\n` });
    cleanups.push(() => server.stop());
    await routesOn(server);
    await server.waitFor(/cannot write runtime log .*: .*routing continues without it/);
    expect(server.lines.filter((l) => l.includes("cannot write runtime log"))).toHaveLength(1);

    rmSync(file); // space again
    const c = await UdpClient.open();
    cleanups.push(() => c.close());
    expect(await c.request("C1>IS PING\r", server.port)).toBe("IS>C1 PONG\r");
    await server.waitFor(/runtime log .* is writable again/);
    expect(await c.request("C1>IS PING again\r", server.port)).toBe("IS>C1 PONG\r");
    await waitUntil("the PING in the runtime log again", () => textOf(file).includes(" C1>IS PING again\n"));
  }, 20_000);

  test("a read-only log directory: routing goes on; the log and the state file each report it once", async () => {
    const ro = readOnlyDir();
    const server = await startServer({ config: `ServerLog ${join(ro.dir, "isis")}\n`, asUser: ro.asUser });
    cleanups.push(() => server.stop());
    await routesOn(server);
    await server.waitFor(/cannot write runtime log .*routing continues without it/);
    await server.waitFor(/cannot save the host table to .*isis\.hosts\.json/);
    expect(server.lines.filter((l) => l.includes("cannot write runtime log"))).toHaveLength(1);
    expect(server.lines.filter((l) => l.includes("cannot save the host table"))).toHaveLength(1);
    expect(existsSync(join(ro.dir, `isis.${utcKey()}.log`))).toBe(false);
  }, 20_000);
});
