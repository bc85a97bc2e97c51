// A scripted IMPv2 agent on a real UDP socket on 127.0.0.1. It answers every
// request to the address it came from, with its header turned around
// (`IPC1>AGENT move` -> `AGENT>IPC1 ...`), so it can stand in for the ISIS
// server (the client sends straight to it) or sit behind the real server
// (the server forwards `IPC1>AGENT move` and routes the answers back).
import type { udp } from "bun";
import { Changes, waitUntil } from "../helpers/wait.ts";

/** Answers, by the request's first word (lower case); anything else gets `DONE: <request>`. */
export const AGENT_SCRIPT: Readonly<Record<string, readonly string[]>> = {
  move: ["STATUS: move Moving to POS=2", "STATUS: move Still moving", "DONE: move POS=2"],
  fail: ["ERROR: fail Motor stalled at POS=1"],
  fatal: ["FATAL: fatal Power lost"],
  warn: ["WARNING: warn Temperature high", "DONE: warn"],
  hang: [],
  // Answers SLOW_GAP_MS apart: a long command that keeps reporting progress.
  slow: ["STATUS: slow 1", "STATUS: slow 2", "STATUS: slow 3", "DONE: slow"],
  // Ended `\n\r`, as the C server ends its STATUS reply.
  crlf: ["STATUS: crlf working\n", "DONE: crlf HostName=IS\n"],
  // Hostile: an embedded newline that would forge a DONE: line, terminal control sequences.
  forge: ["STATUS: forge a\nDONE: forged", "ERROR: forge \x1b]0;pwned\x07\x1b[2J\x9b31m"],
};

/**
 * The agent's own pacing between its answers, as a real agent's progress
 * comes over time (`slow` stands for a long command). Nothing asserted waits
 * on these times: the tests wait for the datagrams, and the client's timeout
 * is tested on a manual clock (session.test.ts).
 */
const ANSWER_GAP_MS = 30;
const SLOW_GAP_MS = 100;

export interface Received {
  readonly text: string;
  readonly port: number;
}

export class TestAgent {
  readonly received: Received[] = [];
  /** How many of `received` next() has handed out. */
  private taken = 0;
  private readonly arrived = new Changes();
  private timers: Array<ReturnType<typeof setTimeout>> = [];

  private constructor(
    readonly name: string,
    private readonly socket: udp.Socket<"buffer">,
  ) {}

  static async open(name: string): Promise<TestAgent> {
    let agent: TestAgent | undefined;
    const socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port: 0,
      binaryType: "buffer",
      socket: {
        data(_socket, data, port) {
          agent?.receive(data.toString("latin1"), port);
        },
      },
    });
    agent = new TestAgent(name, socket);
    return agent;
  }

  get port(): number {
    return this.socket.port;
  }

  /** Register with a server on 127.0.0.1: `NAME>IS PING`, then wait for its PONG. */
  async registerWith(serverPort: number, serverId = "IS"): Promise<void> {
    this.send(`${this.name}>${serverId} PING\r`, serverPort);
    const pong = await this.next();
    if (pong.text !== `${serverId}>${this.name} PONG\r`) throw new Error(`expected a PONG, got ${JSON.stringify(pong.text)}`);
  }

  /** The next datagram received (answered already, unless it was a PONG). */
  async next(timeoutMs = 3000): Promise<Received> {
    await waitUntil(`agent ${this.name} to receive a datagram`, () => this.taken < this.received.length, { on: this.arrived, timeoutMs });
    return this.received[this.taken++] as Received;
  }

  /** `text` as latin1, one byte per char, as agents send (a string would go as UTF-8). */
  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text, "latin1"), port, "127.0.0.1");
  }

  private receive(text: string, port: number): void {
    this.received.push({ text, port });
    this.arrived.notify();
    const match = /^(\S+)>(\S+) +(.*?)\r?$/s.exec(text);
    if (!match) return;
    const [, src, dest, body] = match as unknown as [string, string, string, string];
    // Replies (the server's PONG, a routed DONE:) are never answered.
    if (/^(PONG|DONE:|ERROR:|FATAL:|STATUS:|WARNING:)/i.test(body)) return;
    const word = (body.split(" ")[0] ?? "").toLowerCase();
    const answers = AGENT_SCRIPT[word] ?? [`DONE: ${body}`];
    const gap = word === "slow" ? SLOW_GAP_MS : ANSWER_GAP_MS;
    answers.forEach((answer, i) => {
      this.timers.push(setTimeout(() => this.send(`${dest.toUpperCase()}>${src.toUpperCase()} ${answer}\r`, port), gap * (i + 1)));
    });
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.socket.close();
  }
}
