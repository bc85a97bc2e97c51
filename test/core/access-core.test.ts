// The core enforcing Pin and ExecAllow, and coalescing a burst of RESTARTs.
import { describe, expect, test } from "bun:test";
import { parseServerConfig } from "../../src/config/server-config.ts";
import { EXECUTIVE_SPELLINGS } from "../protocol/spellings.ts";
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
    await g.settled();
    expect(f.quits() + g.quits()).toBe(2);
  });

  test("no spelling of EXEC: gets past it: not to the server, not to a client, not to AL", () => {
    const f = makeCore(configOf("ExecAllow 10.0.0.0/8\n"));
    f.from(2000, "B1>IS PING\r");
    let refused = 0;
    for (const body of EXECUTIVE_SPELLINGS) {
      for (const dest of ["IS", "B1", "AL", "ALL"]) {
        const sent = f.from(1000, `A1>${dest} ${body}\r`);
        // A line break inside a message refuses it whole, unanswered; any other spelling gets the ExecAllow refusal.
        if (/[\n\v\f\r]/.test(body)) expect(sent).toEqual([]);
        else {
          expect(texts(sent)).toEqual(["IS>A1 ERROR: EXEC: not allowed from 127.0.0.1, executive request refused\r"]);
          refused++;
        }
      }
    }
    expect(f.core.counters.refused).toBe(refused);
    expect(f.core.counters.controlBytes).toBe(EXECUTIVE_SPELLINGS.length * 4 - refused);
    expect(f.core.counters.routed + f.core.counters.broadcast).toBe(0);
    expect(f.quits()).toBe(0);
  });

  test("from an allowed address, every spelling reaches the server as the executive request it is", async () => {
    const f = makeCore(configOf("ExecAllow 127.0.0.0/8\n"));
    for (const spelling of ["\tEXEC:\tQUIT", "exec:quit", "REQ: EXEC: quit"]) {
      expect(texts(f.from(1000, `A1>IS ${spelling}\r`))).toEqual(["IS>A1 DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r"]);
    }
    expect(texts(f.from(1000, "A1>IS \tPING\r"))).toEqual(["IS>A1 PONG\r"]);
    await f.settled();
    expect(f.quits()).toBe(3);
  });

  test("without ExecAllow anyone may, as the old server allowed; other requests are never checked", () => {
    const f = makeCore();
    expect(texts(f.from(1000, "A1>IS EXEC: QUIT\r"))[0]).toStartWith("IS>A1 DONE: QUIT");
    const g = makeCore(configOf("ExecAllow 10.0.0.0/8\n"));
    expect(texts(g.from(1000, "A1>IS QUIT\r"))).toEqual(["IS>A1 ERROR: QUIT can only be executed as an executive override command\r"]);
  });
});

describe("a Pin added by RESTART or SIGHUP", () => {
  test("an impostor holding the name loses its route at once, logged; the pinned address is PINGed, never the impostor", async () => {
    const f = makeCore();
    f.from(6666, "M1.IE>IS PING\r");
    f.setNextConfig({ ok: true, config: configOf("Pin M1.IE 127.0.0.1:10700\n") });
    const before = f.sent.length;
    f.from(1000, "OP>IS RESTART\r");
    await f.settled();
    const sent = f.sent.slice(before);
    expect(f.core.hosts.get("M1.IE")).toBeUndefined();
    expect(sent).toContainEqual({ to: "127.0.0.1:10700", text: "IS>AL PING\r" });
    expect(sent.filter((s) => s.to === "127.0.0.1:6666")).toEqual([]);
    const line = "Refused the route of M1.IE to 127.0.0.1:6666: the reloaded configuration pins it to 127.0.0.1:10700; removed from the host table";
    expect(f.logged).toContain(line);
    expect(f.notices).toContain(line);
    expect(texts(f.from(1000, "OP>M1.IE FILTER 2\r"))).toEqual(["IS>OP ERROR: No Route to Destination Host M1.IE - host is unknown/unlisted\r"]);
    // The real one answers the PING and has its route; the impostor is refused from now on.
    f.from(10700, "M1.IE>IS PONG\r");
    expect(f.core.hosts.get("M1.IE")?.endpoint).toEqual(f.udp(10700));
    expect(texts(f.from(6666, "M1.IE>IS PING\r"))[0]).toStartWith("IS>M1.IE ERROR: Node name M1.IE is pinned");
  });

  test("a route the new pin allows stays, and so do names pinned to a serial port or an address's any port", async () => {
    const f = makeCore();
    f.from(10700, "M1.IE>IS PING\r");
    f.from(5000, "M1.CB>IS PING\r");
    f.setNextConfig({ ok: true, config: configOf("Pin M1.IE 127.0.0.1:10700\nPin M1.CB 127.0.0.1\n") });
    f.from(1000, "OP>IS RESTART\r");
    await f.settled();
    expect(f.core.hosts.get("M1.IE")?.endpoint).toEqual(f.udp(10700));
    expect(f.core.hosts.get("M1.CB")?.endpoint).toEqual(f.udp(5000));
    expect(f.logged.filter((l) => l.startsWith("Refused the route"))).toEqual([]);
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
    await f.settled();
    expect(reloads).toBe(1);
    expect(texts(f.sent).filter((t) => t === "IS>A1 PING\r")).toHaveLength(1);
    expect(texts(f.sent).filter((t) => t.startsWith("IS>A1 DONE: RESTART"))).toHaveLength(50);
    f.from(1000, "A1>IS RESTART\r");
    await f.settled();
    expect(reloads).toBe(2);
  });
});
