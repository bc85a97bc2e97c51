// The compiled server refusing an EXEC: from outside ExecAllow and a node
// name claimed from somewhere other than where it is pinned. Only loopback
// exists here, so ExecAllow names a network without 127.0.0.1 (no traffic
// goes there) and the pin is to one loopback port, claimed from another.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

let server: RunningServer;
let real: UdpClient;
let spoofer: UdpClient;
let operator: UdpClient;

beforeAll(async () => {
  [real, spoofer, operator] = await Promise.all([UdpClient.open(), UdpClient.open(), UdpClient.open()]);
  server = await startServer({ config: `ExecAllow 10.0.0.0/8\nPin M1.IE 127.0.0.1:${real.port}\n` });
  expect(await real.request("M1.IE>IS PING\r", server.port)).toBe("IS>M1.IE PONG\r");
  expect(await operator.request("OP>IS PING\r", server.port)).toBe("IS>OP PONG\r");
});

afterAll(async () => {
  for (const c of [real, spoofer, operator]) c?.close();
  await server?.stop();
});

describe("ExecAllow", () => {
  test("EXEC: QUIT from an address outside the allowed networks is refused, logged, and the server stays up", async () => {
    expect(await operator.request("OP>IS EXEC: QUIT\r", server.port)).toBe("IS>OP ERROR: EXEC: not allowed from 127.0.0.1, executive request refused\r");
    expect(await operator.request("OP>IS PING\r", server.port)).toBe("IS>OP PONG\r");
    // Logged every time (the journal says it at most once a minute: another test's refusal may have had that turn).
    const log = `${server.logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`;
    await waitUntil("the refusal in the runtime log", () =>
      /Refused executive request from OP \(127\.0\.0\.1:\d+\), not in ExecAllow: 'EXEC: QUIT'/.test(textOf(log)),
    );
    expect(server.proc.exitCode).toBeNull();
  });

  test("nor does an EXEC: pass through the server to a client, directly or by broadcast", async () => {
    expect(await operator.request("OP>M1.IE EXEC: ABORT\r", server.port)).toStartWith("IS>OP ERROR: EXEC: not allowed");
    expect(await operator.request("OP>AL exec: quit\r", server.port)).toStartWith("IS>OP ERROR: EXEC: not allowed");
    // Nothing reached M1.IE: had the server sent it anything, it would arrive before this PONG.
    expect(await real.request("M1.IE>IS PING\r", server.port)).toBe("IS>M1.IE PONG\r");
    expect(server.proc.exitCode).toBeNull();
  });
});

describe("Pin", () => {
  test("a message claiming the pinned name from another port is refused and logged, and the route stays", async () => {
    expect(await spoofer.request("M1.IE>IS EXEC: QUIT\r", server.port)).toBe("IS>M1.IE ERROR: Node name M1.IE is pinned to another address, message refused\r");
    spoofer.send("M1.IE>IS\r", server.port); // a heartbeat would have moved the route too
    expect(await spoofer.next()).toStartWith("IS>M1.IE ERROR: Node name M1.IE is pinned");
    await server.waitFor(new RegExp(`Refused message from 127\\.0\\.0\\.1:${spoofer.port} claiming M1\\.IE, which is pinned to 127\\.0\\.0\\.1:${real.port}`));
    expect(await operator.request("OP>IS HOST M1.IE\r", server.port)).toContain(` udpPort0=${real.port} `);
    operator.send("OP>M1.IE FILTER 2\r", server.port);
    expect(await real.next()).toBe("OP>M1.IE FILTER 2\r");
    // Nothing for M1.IE went to the spoofer: the next thing it gets is the refusal of this.
    expect(await spoofer.request("M1.IE>IS PING\r", server.port)).toStartWith("IS>M1.IE ERROR: Node name M1.IE is pinned");
  });
});
