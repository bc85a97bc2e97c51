// The bounded output queue of a slow serial port: what is shed, what is
// refused, what is never dropped, and that order is kept.
import { describe, expect, test } from "bun:test";
import { OutputQueue, Priority, priorityOf } from "../../src/transport/serial/output-queue.ts";

const drain = (q: OutputQueue): string[] => {
  const out: string[] = [];
  for (let chunk = q.take(1 << 20); chunk !== undefined; chunk = q.take(1 << 20)) out.push(...chunk.split("\r").filter(Boolean));
  return out;
};

describe("priority by message type", () => {
  test("heartbeats and STATUS: are sheddable; DONE:, ERROR:, FATAL: are kept; the rest is normal", () => {
    expect(priorityOf("M1.IE>IS\r")).toBe(Priority.Shed);
    expect(priorityOf("M1.IE>IS \r")).toBe(Priority.Shed);
    expect(priorityOf("IS>AL status: MODE=OFFLINE\r")).toBe(Priority.Shed);
    for (const t of ["A1>M1 DONE: FILTER\r", "A1>M1   error: x\r", "A1>M1 FATAL:\r"]) expect(priorityOf(t)).toBe(Priority.Keep);
    for (const t of ["A1>M1 FILTER 2\r", "A1>M1 WARNING: hot\r", "IS>AL PING\r", "A1>M1 STATUS\r", "A1>M1 DONEX\r"]) {
      expect(priorityOf(t)).toBe(Priority.Normal);
    }
  });
});

describe("a full queue", () => {
  test("sheds the oldest heartbeats and STATUS: lines to make room, keeping the rest in order", () => {
    const q = new OutputQueue(80);
    const s = (n: number) => `A>B STATUS: ${String(n).padStart(3, "0")}\r`; // 16 bytes
    for (let i = 0; i < 4; i++) expect(q.push(s(i))).toBe(true);
    expect(q.push("A>B DONE: X\r")).toBe(true); // 12 bytes: 76 queued
    expect(q.push(s(4))).toBe(true); // sheds STATUS: 000
    expect(q.push("A>B GO 1\r")).toBe(true); // sheds STATUS: 001
    expect(q.shed).toBe(2);
    expect(drain(q)).toEqual(["A>B STATUS: 002", "A>B STATUS: 003", "A>B DONE: X", "A>B STATUS: 004", "A>B GO 1"]);
    expect(q.bytes).toBe(0);
  });

  test("a request with nothing left to shed is refused (the caller tells its sender); a STATUS: is shed instead", () => {
    const q = new OutputQueue(40);
    expect(q.push("A>B GO 123456789012\r")).toBe(true); // 20
    expect(q.push("A>B GO 123456789012\r")).toBe(true); // 40
    expect(q.push("A>B GO 3\r")).toBe(false);
    expect(q.push("A>B STATUS: x\r")).toBe(true); // taken, and shed: no room
    expect([q.refused, q.shed, q.bytes]).toEqual([1, 1, 40]);
  });

  test("DONE:, ERROR: and FATAL: are never shed: they use a reserve beyond the bound, and only past it are refused", () => {
    const q = new OutputQueue(100, 200);
    let taken = 0;
    for (let i = 0; i < 30; i++) if (q.push(`A>B DONE: ${String(i).padStart(5, "0")}\r`)) taken++; // 16 bytes each
    expect(taken).toBe(12); // 192 of 200
    expect(q.refused).toBe(18);
    expect(q.shed).toBe(0);
    expect(drain(q)).toHaveLength(12);
  });

  test("a DONE: sheds STATUS: lines before it dips into the reserve", () => {
    const q = new OutputQueue(48, 1000);
    for (let i = 0; i < 3; i++) q.push(`A>B STATUS: ${String(i).padStart(3, "0")}\r`); // 48
    expect(q.push("A>B DONE: X\r")).toBe(true);
    expect(q.shed).toBe(1);
    expect(q.bytes).toBe(44);
  });

  test("take() hands out whole lines up to a chunk size (at least one), and clear() empties it", () => {
    const q = new OutputQueue(1000);
    for (let i = 0; i < 5; i++) q.push(`A>B L${i}\r`); // 7 bytes each
    expect(q.take(15)).toBe("A>B L0\rA>B L1\r");
    expect(q.take(3)).toBe("A>B L2\r");
    expect(q.clear()).toBe(2);
    expect(q.take(100)).toBeUndefined();
  });

  test("memory stays bounded under a long flood of mixed lines", () => {
    const q = new OutputQueue(4096);
    const kinds = ["A>B STATUS: x\r", "A>B\r", "A>B GO\r", "A>B DONE: y\r", "A>B ERROR: z\r"];
    for (let i = 0; i < 200_000; i++) q.push(kinds[i % kinds.length] as string);
    expect(q.bytes).toBeLessThanOrEqual(4 * 4096);
    expect(q.shed + q.refused).toBeGreaterThan(150_000);
  });
});
