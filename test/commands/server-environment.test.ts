// What `isis server` takes from its environment, read in one place
// (commands/server.ts) and handed to the server as options.
import { expect, test } from "bun:test";
import { serverEnvironment } from "../../src/commands/server.ts";

test("systemd's variables, the I/O switches and the user become the server's options", () => {
  const env = serverEnvironment(
    {
      STATE_DIRECTORY: "/var/lib/isis:/var/lib/other",
      USER: "dts",
      ISIS_BATCHED_UDP: "off",
      ISIS_PAGEOUT: "off",
      NOTIFY_SOCKET: "@isis-test",
      WATCHDOG_USEC: "20000000",
    },
    4242,
    "/usr/local/bin/isis",
  );
  expect(env).toMatchObject({ stateDirectory: "/var/lib/isis", userId: "dts", exeName: "/usr/local/bin/isis", batchedUdp: false, pageout: false });
  expect(env.notifier?.socketPath).toBe("@isis-test");
  expect(env.notifier?.watchdogIntervalMs).toBe(10_000);
  env.notifier?.close();
});

test("outside systemd, with nothing set: no notifier, no state directory, batched UDP and the pageout on, the user from the system", () => {
  const env = serverEnvironment({}, 4242, "/usr/local/bin/isis");
  expect(env).toMatchObject({ notifier: undefined, stateDirectory: undefined, batchedUdp: true, pageout: true });
  expect(env.userId).not.toBe("");
  // An empty STATE_DIRECTORY names no directory.
  expect(serverEnvironment({ STATE_DIRECTORY: "" }, 1, "x").stateDirectory).toBeUndefined();
});
