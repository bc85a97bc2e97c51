// The arm64 release binary, built as `npm run release` builds it (bytecode,
// the runtime from @oven/bun-linux-aarch64), run under qemu-user on this
// machine: it answers PING and routes a message on 127.0.0.1. Skipped only
// where qemu-aarch64-static or the arm64 libc (libc6-arm64-cross) is absent;
// .ci/run installs both.
import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildRelease, runnerFor, TARGETS } from "../../script/release.ts";
import { makeTempDir } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const arm64 = TARGETS.find((t) => t.name === "linux-arm64");
if (!arm64) throw new Error("no linux-arm64 release target");
const runner = runnerFor(arm64);
const dir = makeTempDir("isis-arm64-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

if (!runner) console.log(`arm64 smoke test skipped: no ${arm64.qemu} with ${arm64.sysroot} (apt install qemu-user-static libc6-arm64-cross)`);

test.skipIf(!runner)(
  "the arm64 build under qemu-user answers PING and routes a message on loopback",
  async () => {
    const bin = join(dir, "isis-arm64");
    expect(await buildRelease(arm64, bin)).toMatch(/^isis version \S+ \(.+\) commit \S+/);
    const config = join(dir, "isis.ini");
    writeFileSync(config, `ServerID IS\nServerPort 0\nServerLog ${join(dir, "logs", "isis")}\nLogDate UTC\n`);
    const proc = Bun.spawn([...(runner as string[]), bin, "server", "-d", "-f", config], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
    try {
      const port = await startupPort(proc.stdout);
      const a = await UdpClient.open();
      const b = await UdpClient.open();
      try {
        // Emulated, the first answers take longer than on the real thing.
        expect(await a.request("A1>IS PING\r", port, 10_000)).toBe("IS>A1 PONG\r");
        expect(await b.request("B1>IS PING\r", port, 10_000)).toBe("IS>B1 PONG\r");
        a.send("A1>B1 hello from the arm64 build\r", port);
        expect(await b.next(10_000)).toBe("A1>B1 hello from the arm64 build\r");
      } finally {
        a.close();
        b.close();
      }
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
  },
  60_000,
);

/** The port from the server's `server started as host IS on port N` line. */
async function startupPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdout) {
    text += decoder.decode(chunk, { stream: true });
    const m = /server started as host IS on port (\d+)/.exec(text);
    if (m) return Number(m[1]);
  }
  throw new Error(`the server ended before it was ready:\n${text}`);
}
