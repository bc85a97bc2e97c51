// The core enforcing Pin and ExecAllow, and coalescing a burst of RESTARTs.
import { describe, expect, test } from "bun:test";
import { parseServerConfig } from "../../src/config/server-config.ts";
import { makeCore } from "./fixture.ts";

const texts = (sent: { text: string }[]) => sent.map((s) => s.text);
const configOf = (text: string) => {
  const { config, problems } = parseServerConfig(text);
  expect(problems).toEqual([]);
  return config;
};

describe("a pinned name", () => {
  test("spoken from its own address and port: served as usual", () => {
    const f = makeCore(configOf("Pin M1.IE 127.0.0.1:10700\n"));
    expect(texts(f.from(10700, "M1.IE>IS PING\r"))).toEqual(["IS>M1.IE PONG\r"]);
    expect(f.core.hosts.get("M1.IE")?.endpoint).toEqual(f.udp(10700));
  });

  test("claimed from another port: refused with an ERROR, logged, noticed, and the route does not move", () => {
    const f = makeCore(configOf("Pin M1.IE 127.0.0.1:10700\n"));
    f.from(10700, "M1.IE>IS PING\r");
    expect(texts(f.from(6666, "m1.ie>IS EXEC: QUIT\r"))).toEqual(["IS>M1.IE ERROR: Node name M1.IE is pinned to another address, message refused\r"]);
    expect(f.quits()).toBe(0);
    expect(f.core.hosts.get("M1.IE")?.endpoint).toEqual(f.udp(10700));
    expect(f.logged).toContain("Refused message from 127.0.0.1:6666 claiming M1.IE, which is pinned to 127.0.0.1:10700: 'm1.ie>IS EXEC: QUIT\\x0d'");
    expect(f.ranked.at(-1)).toEqual({ priority: "warning", text: expect.stringContaining("claiming M1.IE") });
    // A client joining is routine: info, below what `journalctl -p notice` shows.
    expect(f.ranked[0]).toEqual({ priority: "info", text: "Added UDP Client M1.IE on host 127.0.0.1:10700" });
    expect(f.core.counters.refused).toBe(1);
    // Traffic for M1.IE still goes to the real one.
    expect(f.from(1000, "A1>M1.IE FILTER 2\r")).toEqual([{ to: "127.0.0.1:10700", text: "A1>M1.IE FILTER 2\r" }]);
  });

  test("a spoofer that was never in the table does not get in, not even with a heartbeat", () => {
    const f = makeCore(configOf("Pin M1.IE tty0\n"));
    f.from(6666, "M1.IE>IS\r");
    expect(f.core.hosts.get("M1.IE")).toBeUndefined();
  });

  test("repeated spoofing is logged every time but noticed once a minute, with the count", () => {
    const f = makeCore(configOf("Pin M1.IE 127.0.0.1:10700\n"));
    for (let i = 0; i < 5; i++) f.from(6666, "M1.IE>IS PING\r");
    expect(f.logged.filter((l) => l.startsWith("Refused message"))).toHaveLength(5);
    expect(f.notices.filter((l) => l.startsWith("Refused message"))).toHaveLength(1);
    f.advance(60_000);
    f.from(6666, "M1.IE>IS PING\r");
    expect(f.notices.at(-1)).toEndWith("(4 more like it since the last notice)");
  });
});

describe("ExecAllow", () => {
  test("EXEC: QUIT from outside the allowed networks is refused, logged, and the server keeps running", () => {
    const f = makeCore(configOf("ExecAllow 10.0.0.0/8\n"));
    expect(texts(f.from(1000, "A1>IS EXEC: QUIT\r"))).toEqual(["IS>A1 ERROR: EXEC: not allowed from 127.0.0.1, executive request refused\r"]);
    expect(f.quits()).toBe(0);
    expect(f.logged).toContain("Refused executive request from A1 (127.0.0.1:1000), not in ExecAllow: 'EXEC: QUIT'");
  });

  test("EXEC: through the server (routed or broadcast) is refused too, and not forwarded", () => {
    const f = makeCore(configOf("ExecAllow 10.0.0.0/8\n"));
    f.from(2000, "B1>IS PING\r");
    expect(f.from(1000, "A1>B1 exec: ABORT\r").map((s) => s.to)).toEqual(["127.0.0.1:1000"]);
    expect(f.from(1000, "A1>AL EXEC: QUIT\r").map((s) => s.to)).toEqual(["127.0.0.1:1000"]);
    expect(f.quits()).toBe(0);
  });

  test("from an allowed address, and from a serial client, EXEC: works as before", async () => {
    const f = makeCore(configOf("ExecAllow 127.0.0.0/8\n"));
    expect(texts(f.from(1000, "A1>IS EXEC: QUIT\r"))).toEqual(["IS>A1 DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r"]);
    const g = makeCore(configOf("ExecAllow none\n"));
    g.serial.push({ device: "/dev/ttyS0", up: true });
    g.core.receive("M1.IE>IS EXEC: QUIT\r", { kind: "serial", index: 0, device: "/dev/ttyS0" });
    expect(g.sent.at(-1)?.text).toBe("IS>M1.IE DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r");
    await Bun.sleep(0);
    expect(f.quits() + g.quits()).toBe(2);
  });

  test("without ExecAllow anyone may, as the old server allowed; other requests are never checked", () => {
    const f = makeCore();
    expect(texts(f.from(1000, "A1>IS EXEC: QUIT\r"))[0]).toStartWith("IS>A1 DONE: QUIT");
    const g = makeCore(configOf("ExecAllow 10.0.0.0/8\n"));
    expect(texts(g.from(1000, "A1>IS QUIT\r"))).toEqual(["IS>A1 ERROR: QUIT can only be executed as an executive override command\r"]);
  });
});

describe("RESTART", () => {
  test("a burst of RESTARTs shares one reload and one round of PINGs", async () => {
    const f = makeCore();
    let reloads = 0;
    const reload = f.core.control.reloadConfig;
    f.core.control.reloadConfig = () => {
      reloads++;
      return reload();
    };
    for (let i = 0; i < 50; i++) f.from(1000, "A1>IS RESTART\r");
    await Bun.sleep(0);
    expect(reloads).toBe(1);
    expect(texts(f.sent).filter((t) => t === "IS>A1 PING\r")).toHaveLength(1);
    expect(texts(f.sent).filter((t) => t.startsWith("IS>A1 DONE: RESTART"))).toHaveLength(50);
    f.from(1000, "A1>IS RESTART\r");
    await Bun.sleep(0);
    expect(reloads).toBe(2);
  });
});
