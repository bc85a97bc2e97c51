// The UDP exchange against a scripted agent on a real 127.0.0.1 socket; the
// idle timeout on a manual clock.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Reply } from "../../src/client/reply.ts";
import { requestDatagram } from "../../src/client/request.ts";
import { runSession, type SessionOptions } from "../../src/client/session.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";
import { waitUntil } from "../helpers/wait.ts";
import { TestAgent } from "./_agent.ts";

let agent: TestAgent;
beforeAll(async () => {
  agent = await TestAgent.open("M1.IE");
});
afterAll(() => agent.close());

function session(command: string, over: Partial<SessionOptions> = {}) {
  const seen: Reply[] = [];
  const ended = runSession({
    host: "127.0.0.1",
    port: agent.port,
    datagram: requestDatagram("ipc1", "m1.ie", command),
    conversation: { self: "IPC1", dest: "M1.IE", server: "IS", command },
    idleTimeoutMs: 0,
    onReply: (reply) => seen.push(reply),
    ...over,
  });
  return { seen, ended };
}

describe("runSession", () => {
  test("sends ID>DEST command\\r and ends on DONE:, after the STATUS: lines", async () => {
    const { seen, ended } = session("move 2");
    expect(await ended).toMatchObject({ kind: "answered", reply: { kind: "done", body: "DONE: move POS=2" } });
    expect((await agent.next()).text).toBe("IPC1>M1.IE move 2\r");
    expect(seen.map((r) => `${r.kind} ${r.body}`)).toEqual(["progress STATUS: move Moving to POS=2", "progress STATUS: move Still moving"]);
  });

  test("ends on ERROR:", async () => {
    const { ended } = session("fail");
    expect(await ended).toMatchObject({ kind: "answered", reply: { kind: "failed", body: "ERROR: fail Motor stalled at POS=1" } });
    await agent.next();
  });

  test("gives up after the idle timeout when nothing comes, not before", async () => {
    const clock = new ManualScheduler();
    let over = false;
    const { ended } = session("hang", { idleTimeoutMs: 150, scheduler: clock });
    void ended.then(() => {
      over = true;
    });
    await agent.next();
    await waitUntil("the idle timer set", () => clock.pending === 1);
    clock.advance(149);
    // A turn of the event loop: an end already decided would have been seen.
    await new Promise((resolve) => setImmediate(resolve));
    expect(over).toBe(false);
    clock.advance(1);
    expect(await ended).toEqual({ kind: "timeout" });
  });

  test("progress restarts the wait: a command slower than the timeout but reporting in time succeeds", async () => {
    const clock = new ManualScheduler();
    const { seen, ended } = session("hang", { idleTimeoutMs: 250, scheduler: clock });
    const request = await agent.next();
    // 200 ms between reports, 800 ms in all: well past the 250 ms timeout, never 250 ms without word.
    for (let i = 1; i <= 3; i++) {
      clock.advance(200);
      agent.send(`M1.IE>IPC1 STATUS: hang ${i}\r`, request.port);
      await waitUntil(`report ${i} seen`, () => seen.length === i);
    }
    clock.advance(200);
    agent.send("M1.IE>IPC1 DONE: hang\r", request.port);
    expect(await ended).toMatchObject({ kind: "answered", reply: { kind: "done" } });
  });

  test("a DONE: for another name, or from another node, does not end the command", async () => {
    const { seen, ended } = session("hang");
    const request = await agent.next();
    agent.send("M1.IE>IPC2 DONE: not for us\r", request.port);
    agent.send("M1.CB>IPC1 DONE: an answer to someone else's command\r", request.port);
    agent.send("M1.IE>IPC1 DONE: hang\r", request.port);
    expect(await ended).toMatchObject({ kind: "answered", reply: { kind: "done", body: "DONE: hang" } });
    expect(seen.map((r) => r.kind)).toEqual(["ignored", "progress"]);
  });

  test("an aborted signal (Ctrl+C) ends the wait", async () => {
    const interrupt = new AbortController();
    const { ended } = session("hang", { signal: interrupt.signal });
    await agent.next();
    interrupt.abort();
    expect(await ended).toEqual({ kind: "interrupted" });
  });
});
