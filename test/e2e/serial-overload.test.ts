// A serial client that stops reading (a pty the test does not read), with
// far more traffic for it than any serial line could carry. The server's
// queue for the port stays bounded: STATUS: lines are shed, requests are
// refused with an ERROR to their sender, and every DONE: still arrives, in
// order, once the client reads again. The shed count reported is exact.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { memoryMiB } from "../helpers/proc.ts";
import { openPty, type Pty } from "../helpers/pty.ts";
import { makeTempDir, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

let server: RunningServer;
let tty: Pty;
let a1: UdpClient;
let device: string;

beforeAll(async () => {
  tty = openPty();
  device = join(makeTempDir("isis-serial-"), "ttyM1");
  symlinkSync(tty.slavePath, device);
  server = await startServer({ config: `TTYPort ${device}\n` });
  expect(await tty.next()).toBe("IS>AL PING");
  tty.write("M1.IE>IS PONG\r");
  a1 = await UdpClient.open();
  // The PONG may still be on its way through the pty: ask until it has been read.
  await waitUntil("M1.IE in the host table", async () => (await a1.request("A1>IS HOST M1.IE\r", server.port)).includes("=Serial"));
});

afterAll(async () => {
  a1?.close();
  await server?.stop();
  tty?.close();
});

test("a stuck serial client: STATUS: shed and counted, requests refused, every DONE: delivered in order, memory bounded", async () => {
  const padding = "x".repeat(60);
  let statusSent = 0;
  const doneSent: string[] = [];
  const refusals: string[] = [];
  /** Pace by a round trip so the UDP socket itself never overflows; collect ERRORs meanwhile. */
  const pace = async () => {
    a1.send("A1>IS PING\r", server.port);
    for (let reply = await a1.next(); reply !== "IS>A1 PONG\r"; reply = await a1.next()) refusals.push(reply);
  };
  // Progress reports with a DONE: now and then: far more than the line and the queue hold.
  for (let batch = 0; batch < 60; batch++) {
    for (let i = 0; i < 50; i++) {
      const n = batch * 50 + i;
      if (n % 30 === 29) {
        doneSent.push(`A1>M1.IE DONE: STEP ${n}`);
        a1.send(`A1>M1.IE DONE: STEP ${n}\r`, server.port);
      } else {
        statusSent++;
        a1.send(`A1>M1.IE STATUS: STEP ${n} ${padding}\r`, server.port);
      }
    }
    await pace();
  }
  // Then requests: they push the remaining STATUS: lines out, and once only
  // requests are queued, further ones are refused with an ERROR.
  const REQUESTS = 1000;
  for (let n = 0; n < REQUESTS; n++) {
    a1.send(`A1>M1.IE FILTER ${String(n).padStart(4, "0")} ${"y".repeat(20)}\r`, server.port);
    if (n % 50 === 49) await pace();
  }
  await pace();
  await server.waitFor(/Serial port 0 \(.*ttyM1\): output backlog full \(\d+ bytes queued\): shedding heartbeats and STATUS:, refusing requests/);
  expect(refusals.length).toBeGreaterThan(0);
  for (const r of refusals) expect(r).toBe(`IS>A1 ERROR: Cannot route to M1.IE - ${device} is backlogged, output queue full\r`);
  expect(memoryMiB(server.proc.pid).rss).toBeLessThan(160);
  // Still serving everyone else meanwhile.
  expect(await a1.request("A1>IS PING\r", server.port)).toBe("IS>A1 PONG\r");

  // The client reads again: everything still queued comes out.
  a1.send("A1>M1.IE DONE: LAST\r", server.port);
  const received: string[] = [];
  for (;;) {
    const line = await tty.next(10_000);
    received.push(line);
    if (line === "A1>M1.IE DONE: LAST") break;
  }
  expect(received.filter((l) => l.includes(" DONE: "))).toEqual([...doneSent, "A1>M1.IE DONE: LAST"]);
  const statusReceived = received.filter((l) => l.includes(" STATUS: ")).length;
  expect(statusReceived).toBeLessThan(statusSent);
  const requestsReceived = received.filter((l) => l.includes(" FILTER ")).length;
  expect(requestsReceived + refusals.length).toBe(REQUESTS);
  console.log(`STATUS: ${statusReceived}/${statusSent} delivered; requests ${requestsReceived}/${REQUESTS} delivered, ${refusals.length} refused`);
  const cleared = await server.waitFor(/output backlog cleared: (\d+) heartbeat\/STATUS: lines shed, (\d+) lines refused meanwhile/);
  expect(Number(cleared[1])).toBe(statusSent - statusReceived);
  expect(Number(cleared[2])).toBe(refusals.length);
  expect(server.lines.filter((l) => l.includes("output backlog full"))).toHaveLength(1);
}, 30_000);
