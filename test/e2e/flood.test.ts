// One client floods the compiled server (a separate process sending as fast
// as it can, reading nothing) while two others keep doing routed round
// trips through it. The flooder's excess is dropped before it costs parsing,
// logging or replies, so the others are still served; the log and memory
// stay small. Bounded: one 3-second flood.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { udp } from "bun";
import { kernelDrops, memoryMiB } from "../helpers/proc.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";

const FLOOD_SECONDS = 3;
const FLOODER = resolve(import.meta.dir, "../helpers/flooder.ts");

let server: RunningServer;
let l1: udp.Socket<"buffer">;
let l2: udp.Socket<"buffer">;
const sentAt = new Map<number, number>();
const answeredAt = new Map<number, number>();

beforeAll(async () => {
  server = await startServer();
  // L2 answers every request; L1 notes when each answer came back.
  l2 = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(socket, data) {
        const n = /^L1>L2 RT (\d+)/.exec(data.toString("latin1"))?.[1];
        if (n) socket.send(`L2>L1 DONE: RT ${n}\r`, server.port, "127.0.0.1");
      },
      error() {},
    },
  });
  l1 = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_socket, data) {
        const n = /^L2>L1 DONE: RT (\d+)/.exec(data.toString("latin1"))?.[1];
        if (n) answeredAt.set(Number(n), performance.now());
      },
      error() {},
    },
  });
  l2.send("L2>IS PING\r", server.port, "127.0.0.1");
  l1.send("L1>IS PING\r", server.port, "127.0.0.1");
  await Bun.sleep(100);
});

afterAll(async () => {
  l1?.close();
  l2?.close();
  await server?.stop();
});

test("a flood from one client does not stop the others' round trips; its excess is dropped and counted", async () => {
  const flooder = Bun.spawn([process.execPath, FLOODER, String(server.port), String(FLOOD_SECONDS), "FL>NOBODY junk"], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const t0 = performance.now();
  let n = 0;
  let peak = 0;
  while (performance.now() - t0 < FLOOD_SECONDS * 1000) {
    sentAt.set(n, performance.now());
    try {
      l1.send(`L1>L2 RT ${n}\r`, server.port, "127.0.0.1");
    } catch {
      // a reported ICMP error; the round trip just counts as lost
    }
    n++;
    if (n % 100 === 0) peak = Math.max(peak, memoryMiB(server.proc.pid).rss);
    await Bun.sleep(3);
  }
  const flooded = Number(/sent=(\d+)/.exec(await new Response(flooder.stdout).text())?.[1]);
  await flooder.exited;
  await Bun.sleep(500); // late answers

  // Round trips started while the flood was on, in half-second windows.
  const windows: Array<{ sent: number; answered: number }> = [];
  for (const [i, at] of sentAt) {
    const w = Math.floor((at - t0) / 500);
    windows[w] ??= { sent: 0, answered: 0 };
    (windows[w] as { sent: number }).sent++;
    if (answeredAt.has(i)) (windows[w] as { answered: number }).answered++;
  }
  const answered = answeredAt.size;
  const logBytes = () => statSync(`${server.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`).size;
  const report =
    `flooder sent ${flooded}; round trips ${answered}/${n}; per 500 ms ${windows.map((w) => `${w.answered}/${w.sent}`).join(" ")}; ` +
    `log ${(logBytes() / 1e6).toFixed(1)} MB; kernel drops ${kernelDrops(server.port)}`;
  console.log(report);
  expect(flooded).toBeGreaterThan(50_000);
  expect(answered / n).toBeGreaterThan(0.8);
  // And never cut off for long: every half second some get through.
  for (const w of windows) expect(w.answered / w.sent).toBeGreaterThan(0.3);

  // The flood overloaded the socket, so the guard limited the flooder, and only it.
  expect(kernelDrops(server.port)).toBeGreaterThan(0);
  const limited = await server.waitFor(/flood: 127\.0\.0\.1:(\d+) sends faster than 1000 datagrams\/s/);
  const calmed = await server.waitFor(new RegExp(`flood: 127\\.0\\.0\\.1:${limited[1]} calmed down; (\\d+) datagrams from it were dropped`), 5000);
  expect(Number(calmed[1])).toBeGreaterThan(flooded / 4);
  expect(server.lines.filter((l) => l.includes("flood:"))).toHaveLength(2);
  // What was dropped never reached the log, and memory stayed small.
  expect(logBytes()).toBeLessThan(8 * 1024 * 1024);
  expect(peak).toBeLessThan(160);
  expect(memoryMiB(server.proc.pid).peak).toBeLessThan(200);
  // And the server is as responsive as ever afterwards.
  answeredAt.clear();
  l1.send("L1>L2 RT 999999\r", server.port, "127.0.0.1");
  await Bun.sleep(50);
  expect(answeredAt.has(999999)).toBe(true);
}, 20_000);
