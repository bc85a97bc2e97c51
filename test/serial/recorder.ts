// Records SerialEvents in order and lets a test wait for one, never sleeping blind.

import type { Priority } from "../../src/shared/priority.ts";
import type { SerialEvents } from "../../src/transport/serial/index.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";

export type SerialEvent =
  | { kind: "line"; index: number; text: string }
  | { kind: "junk"; index: number; reason: string }
  | { kind: "state"; index: number; up: boolean; reason: string; first: boolean }
  | { kind: "backlog"; index: number; priority: Priority; message: string };

export class Recorder implements SerialEvents {
  readonly events: SerialEvent[] = [];
  private readonly changed = new Changes();

  line(index: number, text: string): void {
    this.push({ kind: "line", index, text });
  }
  junk(index: number, reason: string): void {
    this.push({ kind: "junk", index, reason });
  }
  state(index: number, up: boolean, reason: string, first: boolean): void {
    this.push({ kind: "state", index, up, reason, first });
  }
  backlog(index: number, priority: Priority, message: string): void {
    this.push({ kind: "backlog", index, priority, message });
  }

  lines(index = 0): string[] {
    return this.events.flatMap((e) => (e.kind === "line" && e.index === index ? [e.text] : []));
  }
  junks(index = 0): string[] {
    return this.events.flatMap((e) => (e.kind === "junk" && e.index === index ? [e.reason] : []));
  }
  states(index = 0): { up: boolean; reason: string }[] {
    return this.events.flatMap((e) => (e.kind === "state" && e.index === index ? [{ up: e.up, reason: e.reason }] : []));
  }
  /** Whether each state report of a port was its first (the attempt at start). */
  firsts(index = 0): boolean[] {
    return this.events.flatMap((e) => (e.kind === "state" && e.index === index ? [e.first] : []));
  }
  backlogs(index = 0): string[] {
    return this.events.flatMap((e) => (e.kind === "backlog" && e.index === index ? [`${e.priority}: ${e.message}`] : []));
  }

  /** Wait until check() holds (checked now and after every event), or fail after timeoutMs. */
  async until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    await waitUntil(what, check, { on: this.changed, timeoutMs, seen: () => `events: ${JSON.stringify(this.events)}` });
  }

  /** Wait for the n-th (1-based) state event of a port and return it. */
  async nthState(n: number, index = 0, timeoutMs = 3000): Promise<{ up: boolean; reason: string }> {
    await this.until(() => this.states(index).length >= n, `state event #${n} of port ${index}`, timeoutMs);
    return this.states(index)[n - 1] as { up: boolean; reason: string };
  }

  async lineCount(n: number, index = 0, timeoutMs = 3000): Promise<string[]> {
    await this.until(() => this.lines(index).length >= n, `${n} lines on port ${index}`, timeoutMs);
    return this.lines(index);
  }

  private push(event: SerialEvent): void {
    this.events.push(event);
    this.changed.notify();
  }
}
