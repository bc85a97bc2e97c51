// The compiled server under a stand-in for systemd: this test binds the
// AF_UNIX datagram socket systemd would pass in $NOTIFY_SOCKET and checks the
// protocol Type=notify and WatchdogSec= rely on.
import { afterEach, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { NotifyReceiver } from "../installer/notify-receiver.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function serverUnderNotify(env: Record<string, string>): Promise<{ server: RunningServer; receiver: NotifyReceiver }> {
  const receiver = NotifyReceiver.inTempDir();
  cleanup.push(() => receiver.close());
  const server = await startServer({ env: { NOTIFY_SOCKET: receiver.address, ...env } });
  cleanup.push(() => server.stop());
  return { server, receiver };
}

const isReady = (m: string) => m.split("\n").includes("READY=1");
const isWatchdog = (m: string) => m === "WATCHDOG=1";

test("the server sends READY=1 exactly once, when its UDP port answers", async () => {
  const { server, receiver } = await serverUnderNotify({});
  await receiver.waitFor(isReady, 1, 2000);
  // What READY promises systemd (and `systemctl start`): requests are served.
  const client = await UdpClient.open();
  cleanup.push(() => client.close());
  expect(await client.request("T1>IS PING\r", server.port)).toMatch(/^IS>T1 /);
  await Bun.sleep(200);
  expect(receiver.messages.filter(isReady)).toHaveLength(1);
});

test("with WATCHDOG_USEC set the server sends WATCHDOG=1 at half that interval from its event loop", async () => {
  // WatchdogSec=0.4s: pings every ~200 ms; 4 of them within 2 s leave room for a loaded machine.
  const { receiver } = await serverUnderNotify({ WATCHDOG_USEC: "400000" });
  await receiver.waitFor(isReady, 1, 2000);
  const started = Date.now();
  await receiver.waitFor(isWatchdog, 4, 3000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150);
});

test("without WATCHDOG_USEC the server sends no watchdog pings", async () => {
  const { receiver } = await serverUnderNotify({});
  await receiver.waitFor(isReady, 1, 2000);
  await Bun.sleep(500);
  expect(receiver.messages.filter(isWatchdog)).toEqual([]);
});

test("on SIGTERM the server sends STOPPING=1 before it exits", async () => {
  const { server, receiver } = await serverUnderNotify({ WATCHDOG_USEC: "400000" });
  await receiver.waitFor(isReady, 1, 2000);
  expect(await server.stop("SIGTERM")).toBe(0);
  await receiver.waitFor((m) => m.split("\n").includes("STOPPING=1"), 1, 1000);
});
