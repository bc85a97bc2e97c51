// The server's one housekeeping timer and its status line, on a manual clock.
import { expect, test } from "bun:test";
import { LiveStatus, statusText } from "../../src/server/live-status.ts";
import { Ticker } from "../../src/server/ticker.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";

test("the ticker runs when its work says it is next due, and arms nothing when nothing is", () => {
  const clock = new ManualScheduler();
  const dues: Array<number | undefined> = [1000, undefined];
  const ran: number[] = [];
  const ticker = new Ticker(clock, () => {
    ran.push(clock.now());
    return dues.shift();
  });
  ticker.start();
  expect(ran).toEqual([0]);
  clock.advance(999);
  expect(ran).toEqual([0]);
  clock.advance(1);
  expect(ran).toEqual([0, 1000]);
  // Nothing due: no timer at all, however long it stays so.
  expect(clock.pending).toBe(0);
  clock.advance(3_600_000);
  expect(ran).toEqual([0, 1000]);
});

test("pokes in a burst are one run soon after; a run already due sooner is not put off", () => {
  const clock = new ManualScheduler();
  const ran: number[] = [];
  const ticker = new Ticker(clock, () => {
    ran.push(clock.now());
    return ran.length === 2 ? 10 : undefined;
  });
  ticker.start();
  for (let i = 0; i < 100; i++) ticker.poke();
  expect(clock.pending).toBe(1);
  clock.advance(50);
  expect(ran).toEqual([0, 50]);
  // Due in 10 ms: a poke (50 ms) does not delay it.
  ticker.poke();
  clock.advance(10);
  expect(ran).toEqual([0, 50, 60]);
  ticker.stop();
  ticker.poke();
  expect(clock.pending).toBe(0);
});

test("a deadline weeks away is looked at again within the hour (a longer timer would fire at once)", () => {
  const clock = new ManualScheduler();
  let runs = 0;
  const ticker = new Ticker(clock, () => {
    runs++;
    return 30 * 86_400_000;
  });
  ticker.start();
  clock.advance(3_600_000);
  expect(runs).toBe(2);
  ticker.stop();
});

test("the status line names the server, its clients, the stale ones and the late commands", () => {
  const base = { serverId: "IS", port: 6600, clients: 9, stale: [] as string[], late: 0 };
  expect(statusText(base)).toBe("IS:6600 · 9 clients, 0 stale · 0 late");
  expect(statusText({ ...base, stale: ["M1.RC"], late: 2 })).toBe("IS:6600 · 9 clients, 1 stale (M1.RC) · 2 late");
  expect(statusText({ ...base, clients: 1, stale: ["A", "B", "C", "D", "E"] })).toBe("IS:6600 · 1 client, 5 stale (A B C +2) · 0 late");
});

test("the status is sent when it changes, at most every 5 s; a change held back says when to look again", () => {
  const sent: string[] = [];
  const status = new LiveStatus((text) => sent.push(text));
  status.sentWith("a", 0);
  expect(status.update("a", 100)).toBeUndefined();
  expect(status.update("b", 1000)).toBe(5000);
  expect(status.update("c", 4999)).toBe(5000);
  expect(status.update("c", 5000)).toBeUndefined();
  expect(status.update("c", 9000)).toBeUndefined();
  expect(sent).toEqual(["c"]);
});
