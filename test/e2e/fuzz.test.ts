// 200,000 random and mutated datagrams at the compiled server: valid headers
// with random bodies and commands, random bytes, lengths around 2048 and
// 4096, invalid and spoofed names. Afterwards it must still answer, its host
// table must hold exactly the four real clients at their own ports, and its
// memory must have stayed bounded.
//
// So that the host-table check means something, every datagram that a
// spec-following server could register under some name is generated with
// one of these sender names only: FZ (the fuzzer's own socket, so it never
// moves) or A1/B1, which are pinned to other sockets (so the claim must be
// refused). Datagrams are sent in batches paced by a round trip, so they
// reach the parser instead of the kernel's drop counter (checked below).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { udp } from "bun";
import { freeUdpPort, kernelDrops, memoryMiB } from "../helpers/proc.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";

// FUZZ_TOTAL=1000000 for a longer run by hand.
const TOTAL = Number(process.env.FUZZ_TOTAL ?? 200_000);
const BATCH = 40;
const SEED = 0x15157;

/** A client socket that discards what it gets, except the one reply a request is waiting for. */
class Node {
  /** The reply a request waits for: one starting with `prefix`, the first such. */
  private waiting: { prefix: string; reply?: string } | undefined;
  private readonly arrived = new Changes();
  private constructor(
    readonly name: string,
    private readonly socket: udp.Socket<"buffer">,
  ) {}
  static async open(name: string): Promise<Node> {
    let node: Node | undefined;
    const socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(_s, data) {
          const w = node?.waiting;
          if (!w || w.reply !== undefined) return;
          const text = data.toString("latin1");
          if (!text.startsWith(w.prefix)) return;
          w.reply = text;
          node?.arrived.notify();
        },
        error() {},
      },
    });
    node = new Node(name, socket);
    return node;
  }
  get port(): number {
    return this.socket.port;
  }
  send(data: string | Uint8Array, port: number): void {
    try {
      this.socket.send(data, port, "127.0.0.1");
    } catch {
      // an ICMP error reported for an earlier datagram
    }
  }
  /** Send `NAME>IS body` and wait for the server's reply to this node that starts with `expect`. */
  async request(body: string, port: number, expect = `IS>${this.name} `, timeoutMs = 2000): Promise<string> {
    const waiting: { prefix: string; reply?: string } = { prefix: expect };
    this.waiting = waiting;
    this.send(`${this.name}>IS ${body}\r`, port);
    try {
      return await waitUntil(`${this.name}'s reply to ${body} (${expect}...)`, () => waiting.reply, { on: this.arrived, timeoutMs });
    } finally {
      this.waiting = undefined;
    }
  }

  async ping(port: number): Promise<boolean> {
    return (await this.request("PING", port, `IS>${this.name} PONG\r`)) === `IS>${this.name} PONG\r`;
  }
  close(): void {
    this.socket.close();
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME = /^[A-Za-z0-9._]{2,8}$/;

/** The sender a spec-following server would register for this datagram (spec/impv2.md), if any. */
function registrableSender(bytes: Uint8Array): string | undefined {
  if (bytes.length > 2048) return undefined;
  let text = Buffer.from(bytes).toString("latin1");
  if (text.endsWith("\n")) text = text.slice(0, -1);
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (text.includes("\0")) return undefined;
  const token = text.trimStart().split(" ")[0] ?? "";
  const gt = token.indexOf(">");
  if (gt === -1) return undefined;
  const src = token.slice(0, gt);
  return NAME.test(src) && NAME.test(token.slice(gt + 1)) ? src.toUpperCase() : undefined;
}

let server: RunningServer;
let fz: Node;
let sy: Node;
let a1: Node;
let b1: Node;
let closedPort: number;

beforeAll(async () => {
  [fz, sy, a1, b1] = await Promise.all([Node.open("FZ"), Node.open("SY"), Node.open("A1"), Node.open("B1")]);
  closedPort = await freeUdpPort();
  server = await startServer({
    // EXEC: QUIT must be refused (all traffic is from 127.0.0.1); A1 and B1 may only be claimed from their own sockets.
    config: `ExecAllow 10.0.0.0/8\nPin A1 127.0.0.1:${a1.port}\nPin B1 127.0.0.1:${b1.port}\n`,
  });
  for (const node of [a1, b1, fz, sy]) expect(await node.ping(server.port)).toBe(true);
});

afterAll(async () => {
  for (const node of [fz, sy, a1, b1]) node?.close();
  await server?.stop();
});

test("200,000 random and mutated datagrams: still answering, exactly the real clients, memory bounded", async () => {
  const random = mulberry32(SEED);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const bytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const printable = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(32 + int(95));
    return s;
  };
  const COMMANDS = [
    "PING",
    "STATUS",
    "VERSION",
    "HOSTS",
    "HOST",
    "HOST ALL",
    "HOST FZ",
    "HOST nobody",
    "LOG",
    "TIME",
    "CONFIG",
    "PORTS",
    "HANDSHAKE",
    "FLUSH",
    "FLUSH 0",
    "FLUSH 99",
    "QUIT",
    "EXEC: QUIT",
    "exec: quit now",
    "EXEC: PING",
    "EXEC:",
    "REQ: PING",
    "REQ: STATUS",
    "REMOVE",
    "REMOVE NOBODY",
    "UDPPING",
    `UDPPING 127.0.0.1 ${closedPort}`,
    "UDPPING nowhere 1",
    "UDPPING 127.0.0.1 99999",
    "+LOG",
    "-LOG",
    "DONE: FILTER",
    "ERROR: x",
    "STATUS: y",
    "WARNING: z",
    "FATAL: w",
    "PONG",
    "RESTART",
    "Frobnicate",
    "filter 2",
    "",
  ];
  const SIZES = [0, 1, 2, 7, 8, 9, 80, 255, 256, 1024, 2046, 2047, 2048, 2049, 2050, 4094, 4095, 4096, 4097, 4098];
  const lengthNear = () => (random() < 0.6 ? int(120) : Math.max(0, pick(SIZES) + (random() < 0.3 ? int(5) - 2 : 0)));
  const dest = () => pick(["IS", "is", "AL", "ALL", "SY", "A1", "NOBODY", "M1.IE", "x_y.z", "FZ", printable(2 + int(7)).replace(/[^A-Za-z0-9._]/g, "Q")]);
  const body = () => {
    const r = random();
    if (r < 0.5) return pick(COMMANDS);
    if (r < 0.7) return `${pick(COMMANDS)} ${printable(int(40))}`;
    if (r < 0.9) return printable(lengthNear());
    return Buffer.from(bytes(lengthNear())).toString("latin1");
  };
  const badName = () => pick(["A".repeat(9 + int(300)), "", "X", "A B", "M1#IE", "M1.IE\0", "ÄÖÜ", `${printable(3)}>`, "M1-IE", "0123456789"]);
  const valid = (src: string) => `${src}>${dest()} ${body()}${pick(["\r", "\n", "\r\n", ""])}`;

  /** One fuzz datagram of a random kind. */
  const generate = (): Uint8Array => {
    const r = random();
    if (r < 0.3) return Buffer.from(valid(pick(["FZ", "fz", "Fz"])), "latin1");
    if (r < 0.35) return Buffer.from(valid(pick(["A1", "b1"])), "latin1"); // spoofing pinned names
    if (r < 0.6) return bytes(lengthNear());
    if (r < 0.75) return Buffer.from(`${badName()}>${pick([dest(), badName()])} ${body()}\r`, "latin1");
    if (r < 0.8) return Buffer.from(`FZ>${badName()} ${body()}\r`, "latin1");
    // A valid message with a few bytes flipped, inserted, deleted or the tail cut.
    const m = Buffer.from(valid("FZ"), "latin1");
    let out: Uint8Array = m;
    for (let k = 1 + int(4); k > 0; k--) {
      const at = int(out.length + 1);
      const op = int(4);
      if (op === 0 && out.length > 0) out[Math.min(at, out.length - 1)] = int(256);
      else if (op === 1) out = Buffer.concat([out.subarray(0, at), bytes(1 + int(4)), out.subarray(at)]);
      else if (op === 2) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + int(4))]);
      else out = out.subarray(0, at);
    }
    return out;
  };
  /** Nothing that could register a name other than ours, remove a real client, or make the server send off loopback. */
  const safe = (d: Uint8Array): boolean => {
    const sender = registrableSender(d);
    if (sender !== undefined && !["FZ", "A1", "B1"].includes(sender)) return false;
    const text = Buffer.from(d).toString("latin1").toUpperCase();
    if (text.includes("REMOVE") && !/^FZ>(IS|AL|ALL) REMOVE( NOBODY)?\r?\n?$/.test(text)) return false;
    if (text.includes("UDPPING") && !/^FZ>\S+ UDPPING( 127\.0\.0\.1 \d+| NOWHERE 1)?\r?\n?$/.test(text)) return false;
    return true;
  };

  const dropsBefore = kernelDrops(server.port);
  const t0 = performance.now();
  const rss: number[] = [];
  let sent = 0;
  let rejected = 0;
  while (sent < TOTAL) {
    for (let i = 0; i < BATCH && sent < TOTAL; ) {
      const d = generate();
      if (!safe(d)) {
        rejected++;
        continue;
      }
      fz.send(d, server.port);
      sent++;
      i++;
    }
    expect(await sy.ping(server.port)).toBe(true);
    if ((sent / BATCH) % 250 === 0) rss.push(memoryMiB(server.proc.pid).rss);
  }
  // One datagram as big as UDP allows, and the oversized name that killed the old server.
  fz.send(bytes(65_000), server.port);
  fz.send(`${"A".repeat(200)}>IS ping\r`, server.port);
  fz.send("FZ>IS +LOG\r", server.port);
  const seconds = (performance.now() - t0) / 1000;
  const drops = kernelDrops(server.port) - dropsBefore;
  const memory = memoryMiB(server.proc.pid);
  console.log(
    `fuzz: ${sent} datagrams (${rejected} regenerated) in ${seconds.toFixed(1)} s, kernel drops ${drops}; ` +
      `RSS MiB ${rss.map((r) => r.toFixed(0)).join(" ")}, peak ${memory.peak.toFixed(0)}`,
  );

  // It reached the parser, not the kernel's drop counter.
  expect(drops).toBeLessThan(TOTAL / 100);
  // Still answering everyone, and the table is exactly the real clients, each at its own socket.
  for (const node of [a1, b1, fz, sy]) expect(await node.ping(server.port)).toBe(true);
  expect(await sy.request("HOSTS", server.port, "IS>SY DONE: HOST")).toBe("IS>SY DONE: HOST numHosts=4 maxHosts=32 host0=A1 host1=B1 host2=FZ host3=SY\r");
  for (const [slot, node] of [a1, b1, fz, sy].entries()) {
    expect(await sy.request(`HOST ${node.name}`, server.port, "IS>SY DONE: HOST")).toMatch(
      new RegExp(`Host${slot}=${node.name} Method${slot}=UDP udpAddr${slot}=127\\.0\\.0\\.1 udpPort${slot}=${node.port} `),
    );
  }
  // Memory bounded: no growth with traffic after warm-up, and a modest peak.
  const warm = rss[1] ?? rss[0] ?? memory.rss;
  expect(Math.max(...rss) - warm).toBeLessThan(24);
  expect(memory.peak).toBeLessThan(200);
  expect(server.proc.exitCode).toBeNull();
}, 90_000);
