// The compiled server under a stand-in for systemd: this test binds the
// AF_UNIX datagram socket systemd would pass in $NOTIFY_SOCKET and checks the
// protocol Type=notify and WatchdogSec= rely on.
import { afterEach, expect, test } from "bun:test";
import { NotifyReceiver } from "../helpers/notify-receiver.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function serverUnderNotify(env: Record<string, string>, config = ""): Promise<{ server: RunningServer; receiver: NotifyReceiver }> {
  const receiver = NotifyReceiver.inTempDir();
  cleanup.push(() => receiver.close());
  const server = await startServer({ env: { NOTIFY_SOCKET: receiver.address, ...env }, config });
  cleanup.push(() => server.stop());
  return { server, receiver };
}

const isReady = (m: string) => m.split("\n").includes("READY=1");
const isStopping = (m: string) => m.split("\n").includes("STOPPING=1");

/** SIGTERM: the server exits 0 and its last notification, STOPPING=1, has arrived. */
async function stopped(server: RunningServer, receiver: NotifyReceiver): Promise<void> {
  expect(await server.stop("SIGTERM")).toBe(0);
  await receiver.waitFor(isStopping, 1, 1000);
}
const isWatchdog = (m: string) => m === "WATCHDOG=1";

test("the server sends READY=1 exactly once, when its UDP port answers", async () => {
  const { server, receiver } = await serverUnderNotify({});
  await receiver.waitFor(isReady, 1, 2000);
  // What READY promises systemd (and `systemctl start`): requests are served.
  const client = await UdpClient.open();
  cleanup.push(() => client.close());
  expect(await client.request("T1>IS PING\r", server.port)).toMatch(/^IS>T1 /);
  // Over the server's whole life, up to its last word: one READY.
  await stopped(server, receiver);
  expect(receiver.messages.filter(isReady)).toHaveLength(1);
});

test("with WATCHDOG_USEC set the server sends WATCHDOG=1 at half that interval from its event loop", async () => {
  // WatchdogSec=0.4s: pings every ~200 ms (timers may run late, never early); 4 of them within 5 s leave room for a loaded machine.
  const { receiver } = await serverUnderNotify({ WATCHDOG_USEC: "400000" });
  await receiver.waitFor(isReady, 1, 2000);
  const started = Date.now();
  await receiver.waitFor(isWatchdog, 4, 5000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150);
});

test("without WATCHDOG_USEC the server sends no watchdog pings", async () => {
  const { server, receiver } = await serverUnderNotify({});
  await receiver.waitFor(isReady, 1, 2000);
  // Some work, then the server's whole life up to its last word: no watchdog ping in it.
  const client = await UdpClient.open();
  cleanup.push(() => client.close());
  for (let i = 0; i < 50; i++) expect(await client.request(`T1>IS PING ${i}\r`, server.port)).toBe("IS>T1 PONG\r");
  await stopped(server, receiver);
  expect(receiver.messages.filter(isWatchdog)).toEqual([]);
});

test("on SIGTERM the server sends STOPPING=1 before it exits", async () => {
  const { server, receiver } = await serverUnderNotify({ WATCHDOG_USEC: "400000" });
  await receiver.waitFor(isReady, 1, 2000);
  await stopped(server, receiver);
});

test("STATUS= is kept live for `systemctl status`: with READY=1, then on each change, at most every 5 s", async () => {
  const { server, receiver } = await serverUnderNotify({}, "StaleAfter 8\nCommandTimeout 0.3\n");
  await receiver.waitFor(isReady, 1, 2000);
  const t0 = performance.now();
  const statuses = () => receiver.messages.flatMap((m) => m.split("\n").filter((l) => l.startsWith("STATUS=")));
  expect(receiver.messages.find(isReady)).toBe(`READY=1\nSTATUS=IS:${server.port} · 0 clients, 0 stale · 0 late`);
  // Two clients, and a command left unanswered past CommandTimeout.
  const agent = await UdpClient.open();
  const ipc = await UdpClient.open();
  cleanup.push(
    () => agent.close(),
    () => ipc.close(),
  );
  expect(await agent.request("M1.RC>IS PING\r", server.port)).toBe("IS>M1.RC PONG\r");
  ipc.send("IPC1>M1.RC EXPOSE 1\r", server.port);
  expect(await agent.next()).toBe("IPC1>M1.RC EXPOSE 1\r");
  // Held back until 5 s after READY, then the picture of that moment.
  await receiver.waitFor((m) => m.startsWith("STATUS="), 1, 10_000);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(4500);
  expect(statuses()).toEqual([`STATUS=IS:${server.port} · 0 clients, 0 stale · 0 late`, `STATUS=IS:${server.port} · 2 clients, 0 stale · 1 late`]);
  // The answer ends the late command; by the next send (5 s on) IPC1 has been silent past StaleAfter.
  agent.send("M1.RC>IPC1 DONE: EXPOSE 1\r", server.port);
  await receiver.waitFor((m) => m.startsWith("STATUS="), 2, 10_000);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(9500);
  expect(statuses().at(-1)).toBe(`STATUS=IS:${server.port} · 2 clients, 1 stale (IPC1) · 0 late`);
  await stopped(server, receiver);
}, 30_000);
