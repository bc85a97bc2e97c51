// SystemdNotifier against a real AF_UNIX datagram socket standing in for systemd.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemdNotifier } from "../../src/server/sd-notify.ts";
import { sockaddrUn } from "../../src/server/sd-notify-libc.ts";
import { NotifyReceiver } from "../helpers/notify-receiver.ts";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

function receiverAt(address: string): NotifyReceiver {
  const receiver = NotifyReceiver.bind(address);
  cleanup.push(() => receiver.close());
  return receiver;
}

function notifierFor(env: Record<string, string>, pid = process.pid): SystemdNotifier {
  const notifier = SystemdNotifier.fromEnv(env, pid);
  if (!notifier) throw new Error(`fromEnv(${JSON.stringify(env)}) gave no notifier`);
  cleanup.push(() => notifier.close());
  return notifier;
}

/** A socket path in a fresh directory, removed after the test. */
function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "isis-notify-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "notify.sock");
}

describe("SystemdNotifier.fromEnv", () => {
  test("gives no notifier when NOTIFY_SOCKET is unset or empty (not run by systemd)", () => {
    expect(SystemdNotifier.fromEnv({}, process.pid)).toBeUndefined();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: "" }, process.pid)).toBeUndefined();
  });

  test("gives no notifier for an address that is not an AF_UNIX path or abstract name", () => {
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: "relative/notify" }, process.pid)).toBeUndefined();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: "vsock:2:1234" }, process.pid)).toBeUndefined();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: `/${"x".repeat(200)}` }, process.pid)).toBeUndefined();
  });

  test("watchdog interval is half of WATCHDOG_USEC, in ms", () => {
    expect(notifierFor({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "30000000" }).watchdogIntervalMs).toBe(15000);
    expect(notifierFor({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "1000" }).watchdogIntervalMs).toBe(1);
  });

  test("no watchdog interval without WATCHDOG_USEC, with a bad one, or when WATCHDOG_PID names another process", () => {
    expect(notifierFor({ NOTIFY_SOCKET: "/run/x" }).watchdogIntervalMs).toBeUndefined();
    expect(notifierFor({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "soon" }).watchdogIntervalMs).toBeUndefined();
    expect(notifierFor({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "0" }).watchdogIntervalMs).toBeUndefined();
    const env = { NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "4000000", WATCHDOG_PID: "4242" };
    expect(notifierFor(env, 4243).watchdogIntervalMs).toBeUndefined();
    expect(notifierFor(env, 4242).watchdogIntervalMs).toBe(2000);
  });
});

describe("sockaddrUn", () => {
  test("a path is NUL-terminated and its length counts the NUL; an abstract name starts with a 0 byte and does not", () => {
    const path = sockaddrUn("/run/n")!;
    expect(path.len).toBe(2 + 6 + 1);
    expect(new TextDecoder().decode(path.addr.subarray(2, 8))).toBe("/run/n");
    expect(path.addr[8]).toBe(0);
    const abstract = sockaddrUn("@sd")!;
    expect(abstract.len).toBe(2 + 1 + 2);
    expect([...abstract.addr.subarray(2, 5)]).toEqual([0, "s".charCodeAt(0), "d".charCodeAt(0)]);
  });
});

describe("SystemdNotifier sends to a real unix datagram socket", () => {
  test("ready, status, watchdog and stopping each arrive as one datagram with systemd's variable names", async () => {
    const receiver = receiverAt(socketPath());
    const notifier = notifierFor({ NOTIFY_SOCKET: receiver.address });
    expect(notifier.ready("listening on port 6600")).toBe(true);
    expect(notifier.status("2 clients")).toBe(true);
    expect(notifier.watchdog()).toBe(true);
    expect(notifier.stopping()).toBe(true);
    await receiver.waitFor(() => true, 4);
    expect(receiver.messages).toEqual(["READY=1\nSTATUS=listening on port 6600", "STATUS=2 clients", "WATCHDOG=1", "STOPPING=1"]);
  });

  test("a leading @ in NOTIFY_SOCKET reaches a socket in the abstract namespace", async () => {
    const receiver = receiverAt(`@isis-test-${process.pid}-${Date.now()}`);
    const notifier = notifierFor({ NOTIFY_SOCKET: receiver.address });
    expect(notifier.ready()).toBe(true);
    expect(await receiver.waitFor((m) => m === "READY=1")).toEqual(["READY=1"]);
  });

  test("a newline in a status text cannot inject another variable", async () => {
    const receiver = receiverAt(socketPath());
    notifierFor({ NOTIFY_SOCKET: receiver.address }).status("ok\nREADY=1");
    expect(await receiver.waitFor(() => true)).toEqual(["STATUS=ok READY=1"]);
  });

  test("sending to a socket nobody listens on returns false instead of throwing, and works once someone does", async () => {
    const address = socketPath();
    const notifier = notifierFor({ NOTIFY_SOCKET: address });
    expect(notifier.watchdog()).toBe(false);
    const receiver = receiverAt(address);
    expect(notifier.watchdog()).toBe(true);
    expect(await receiver.waitFor(() => true)).toEqual(["WATCHDOG=1"]);
  });

  test("after close() a send opens a new socket rather than writing to a closed descriptor", async () => {
    const receiver = receiverAt(socketPath());
    const notifier = notifierFor({ NOTIFY_SOCKET: receiver.address });
    notifier.watchdog();
    notifier.close();
    notifier.close();
    expect(notifier.watchdog()).toBe(true);
    expect(await receiver.waitFor(() => true, 2)).toEqual(["WATCHDOG=1", "WATCHDOG=1"]);
  });
});
