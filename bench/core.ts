// The message path without sockets: the routing core with the real runtime
// log (to a temporary directory) and an outbox that encodes each datagram the
// way the UDP transport does. What isisload's "route" load costs us in
// JavaScript per message, apart from the kernel's UDP work, so changes to the
// core can be compared in seconds. Usage: bun bench/core.ts [ROUND_TRIPS]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SERVER_CONFIG } from "../src/config/server-config.ts";
import { IsisCore } from "../src/core/isis-core.ts";
import { RuntimeLog } from "../src/log/runtime-log.ts";
import { writeLatin1 } from "../src/protocol/latin1.ts";
import { type Endpoint, udpEndpoint } from "../src/shared/endpoint.ts";
import { wallClock } from "../src/shared/timestamp.ts";

const ROUND_TRIPS = Number(process.argv[2] ?? 1_000_000);
const WINDOW = 32;
const dir = mkdtempSync(join(tmpdir(), "isis-core-bench-"));
const log = new RuntimeLog({ root: join(dir, "isis"), utc: true, serverId: "IS", enabled: true });
const wire = Buffer.allocUnsafe(65536);
let wireAt = 0;
let datagrams = 0;
const core = new IsisCore({
  config: { ...DEFAULT_SERVER_CONFIG, handshake: false },
  outbox: {
    send(_to: Endpoint, text: string) {
      if (wireAt + text.length > wire.length) wireAt = 0;
      wireAt += writeLatin1(wire, text, wireAt);
      datagrams++;
      return true;
    },
  },
  events: { log: (t, at) => log.write(t, at), notice: () => {}, serverMessage: () => {}, traffic: () => {} },
  control: {
    rcFile: "(bench)",
    cli: false,
    hostAddr: () => "bench:0",
    isOwnEndpoint: () => false,
    logFile: () => log.path,
    logging: () => true,
    checkLog: () => undefined,
    logHealth: () => ({ lost: log.dropped, down: log.down }),
    intakeLosses: () => ({ flooded: 0, kernelDropped: 0 }),
    setLogging: () => {},
    serialPorts: () => [],
    flushSerial: () => false,
    reloadConfig: async () => ({ ok: false, reason: "bench" }),
    quit: () => {},
  },
  clock: wallClock,
  exeName: "isis",
  userId: "bench",
});

// As the transport hands them over: a fresh string and endpoint per datagram.
const fromA = () => udpEndpoint("127.0.0.1", 40001);
const fromB = () => udpEndpoint("127.0.0.1", 40002);
core.receive("LA>IS PING\r", fromA());
core.receive("LB>IS PING\r", fromB());

// Datagrams as the kernel hands them over, decoded per message as the transport does.
const RING = 1023;
const requests = Array.from({ length: RING + 1 }, (_, i) => Buffer.from(`LA>LB REQ ${i}\r`, "latin1"));
const answers = Array.from({ length: RING + 1 }, (_, i) => Buffer.from(`LB>LA DONE: REQ ${i}\r`, "latin1"));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const ROUNDS = 5;
const perMessage: number[] = [];
let seq = 0;
for (let round = 0; round < ROUNDS; round++) {
  const t0 = performance.now();
  for (let n = 0; n < ROUND_TRIPS; n += WINDOW) {
    for (let i = seq; i < seq + WINDOW; i++) core.receive((requests[i & RING] as Buffer).toString("latin1"), fromA());
    for (let i = seq; i < seq + WINDOW; i++) core.receive((answers[i & RING] as Buffer).toString("latin1"), fromB());
    seq += WINDOW;
    // The log writes between turns, as it does in the server.
    await turn();
  }
  perMessage.push(((performance.now() - t0) * 1e6) / (ROUND_TRIPS * 2));
}
await log.close();
const best = Math.min(...perMessage);
console.log(
  `core: ${ROUNDS} rounds of ${(ROUND_TRIPS * 2).toLocaleString()} messages, ns/message: ${perMessage.map((n) => n.toFixed(0)).join(" ")}; ` +
    `best ${best.toFixed(0)}; ${datagrams.toLocaleString()} datagrams out, ${log.dropped} log entries dropped, RSS ${(process.memoryUsage().rss / 1048576).toFixed(1)} MB`,
);
rmSync(dir, { recursive: true, force: true });
