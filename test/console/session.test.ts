// The console session against a real routing core (recording outbox from the
// core's test fixture): what each typed line does and prints.
import { describe, expect, test } from "bun:test";
import { ConsoleSession, SHUTDOWN_NOTICE } from "../../src/console/session.ts";
import { makeCore } from "../core/fixture.ts";

function makeSession() {
  const f = makeCore();
  const printed: string[] = [];
  const server = {
    core: f.core,
    rcFile: "/etc/isis.ini",
    port: 6600,
    cli: true,
    log: { path: "/logs/isis.20250915.log", enabled: true },
    serialPorts: () => f.serial,
  };
  const session = new ConsoleSession(server, (text) => printed.push(text));
  /** Type a line; returns what it printed. */
  const type = async (line: string) => {
    const before = printed.length;
    const result = await session.handle(line);
    return { printed: printed.slice(before), result };
  };
  return { f, session, type };
}

describe("ConsoleSession", () => {
  test("a server command prints the reply body, and sends nothing on the wire", async () => {
    const { f, type } = makeSession();
    expect((await type("ping")).printed).toEqual(["PONG"]);
    expect(f.sent).toEqual([]);
  });

  test("a server command typed at the console and its reply are written to the runtime log", async () => {
    const { f, type } = makeSession();
    await type("ping");
    await type("-log");
    expect(f.logged).toEqual(["IS>IS EXEC: ping", "IS>IS PONG", "IS>IS EXEC: -log", "IS>IS DONE: -LOG Runtime logging disabled"]);
  });

  test("a console line runs as EXEC: (unknown words are named as typed)", async () => {
    const { type } = makeSession();
    expect((await type("frobnicate 3")).printed).toEqual(["ERROR: Unrecognized ISIS command - frobnicate"]);
  });

  test("an asynchronous command (RESTART) prints its reply once it is done", async () => {
    const { type } = makeSession();
    const { printed } = await type("restart");
    expect(printed).toHaveLength(1);
    expect(printed[0]).toStartWith("DONE: RESTART ");
  });

  test("a send over the IMPv2 limit is refused with the limit named, and nothing goes out", async () => {
    const { f, type } = makeSession();
    f.from(10901, "M1.ENV>IS PING\r");
    const before = f.sent.length;
    // IS>M1.ENV + space + text + \r: 2048 bytes with 2037 characters of text.
    expect((await type(`>m1.env ${"x".repeat(2038)}`)).printed).toEqual([
      "ERROR: not sent to M1.ENV: the message would be 2049 bytes, over the IMPv2 limit of 2048 bytes (terminator included)",
    ]);
    expect((await type(`>al ${"x".repeat(3000)}`)).printed).toEqual([
      "ERROR: not sent to AL: the message would be 3007 bytes, over the IMPv2 limit of 2048 bytes (terminator included)",
    ]);
    expect(f.sent.length).toBe(before);
    expect((await type(`>m1.env ${"y".repeat(2037)}`)).printed).toEqual([]);
    expect(f.sent.slice(before).map((s) => s.text.length)).toEqual([2048]);
  });

  test(">NAME text sends ID>NAME text\\r to a known client and prints nothing", async () => {
    const { f, type } = makeSession();
    f.from(10901, "M1.ENV>IS PING\r");
    const before = f.sent.length;
    expect((await type(">m1.env  filter 2")).printed).toEqual([]);
    expect(f.sent.slice(before)).toEqual([{ to: "127.0.0.1:10901", text: "IS>M1.ENV filter 2\r" }]);
  });

  test(">NAME to an unknown client prints the error and sends nothing", async () => {
    const { f, type } = makeSession();
    expect((await type(">ZZ hello")).printed).toEqual(["ERROR: unknown client host ZZ"]);
    expect(f.sent).toEqual([]);
  });

  test(">AL text goes to every client", async () => {
    const { f, type } = makeSession();
    f.from(1001, "A1>IS PING\r");
    f.from(1002, "B1>IS PING\r");
    const before = f.sent.length;
    await type(">AL hello all");
    expect(f.sent.slice(before)).toEqual([
      { to: "127.0.0.1:1001", text: "IS>AL hello all\r" },
      { to: "127.0.0.1:1002", text: "IS>AL hello all\r" },
    ]);
  });

  test("quit only asks to quit; the notice goes out when announceShutdown is called", async () => {
    const { f, session, type } = makeSession();
    f.from(1001, "A1>IS PING\r");
    const before = f.sent.length;
    expect((await type("quit")).result).toBe("quit");
    expect(f.sent.length).toBe(before);
    expect(f.quits()).toBe(0);
    session.announceShutdown();
    expect(f.sent.slice(before)).toEqual([{ to: "127.0.0.1:1001", text: `IS>AL ${SHUTDOWN_NOTICE}\r` }]);
  });

  test("verbose and concise switch the core's traffic echo", async () => {
    const { f, type } = makeSession();
    await type("verbose");
    expect(f.core.verbose).toBe(true);
    await type("concise");
    expect(f.core.verbose).toBe(false);
  });

  test("hosts prints the detailed table with the client's address", async () => {
    const { f, type } = makeSession();
    f.from(10901, "M1.ENV>IS PING\r");
    const [table] = (await type("hosts")).printed;
    expect(table).toMatch(/^\s+0\s+M1\.ENV\s+UDP\s+127\.0\.0\.1:10901\s+0\.000$/m);
  });

  test("info reports the server's state, +CLI included", async () => {
    const { type } = makeSession();
    const [info] = (await type("info")).printed;
    expect(info).toContain("Server      IS on UDP port 6600 (testhost:6600)");
    expect(info).toContain("+CLI");
  });

  test("history lists typed lines oldest first, skipping blanks and immediate repeats", async () => {
    const { type } = makeSession();
    for (const line of ["ping", "", "ping", "status"]) await type(line);
    expect((await type("history")).printed).toEqual(["   1  ping\n   2  status\n   3  history"]);
  });

  test("a bad send prints the usage", async () => {
    const { type } = makeSession();
    expect((await type(">M1")).printed[0]).toStartWith("usage: >NAME text");
  });
});
