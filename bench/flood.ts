// One client floods dist/isis (bench/loadgen.c in flood mode, a separate
// process sending, reading nothing) while two others keep doing routed round
// trips through it, one every 3 ms. Measures what the others still get, and
// what the flood costs the server in log and memory: at 200,000 datagrams/s
// (what the flood test's Bun flooder reached; the targets apply to it), the
// same with `FloodLimit off` (what the guard is worth), and as fast as C can
// send (for information).
// These figures depend on the machine and its load, so they are measured
// here, not asserted in a test (test/e2e/flood.test.ts keeps what does not).
// Usage: bun bench/flood.ts [LOADGEN_BINARY]   (npm run bench runs it too)
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dropsForPort } from "../src/transport/udp-drops.ts";

const ISIS = resolve(import.meta.dir, "..", "dist", "isis");
const FLOOD_MS = 3000;
const WINDOW_MS = 500;
export interface FloodCase {
  /** Datagrams/s of the flooder; 0: as fast as possible. */
  rate: number;
  /** The server's FloodLimit value, if not the default. */
  floodLimit?: string;
  /** Whether the targets apply. */
  targets: boolean;
}

export const FLOOD_CASES: readonly FloodCase[] = [
  { rate: 200_000, targets: true },
  { rate: 200_000, floodLimit: "off", targets: false },
  { rate: 0, targets: false },
];

export interface FloodResult {
  case: FloodCase;
  flooderSent: number;
  flooderRate: number;
  roundTrips: number;
  answered: number;
  /** answered/sent for the round trips started in each half second of the flood. */
  windows: number[];
  logBytes: number;
  kernelDrops: number;
  peakRssMb: number;
  floodLines: string[];
}

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function lines(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = parts.pop() ?? "";
    into.push(...parts);
  }
}

export async function floodBench(loadgen: string, floodCase: FloodCase): Promise<FloodResult> {
  const { rate } = floodCase;
  const dir = mkdtempSync(join(tmpdir(), "isis-flood-bench-"));
  const ini = join(dir, "isis.ini");
  const limit = floodCase.floodLimit ? `FloodLimit ${floodCase.floodLimit}\n` : "";
  writeFileSync(ini, `ServerID IS\nServerPort 0\nServerLog ${dir}/isis\nLogDate UTC\nNoHandshaking\n${limit}`);
  const server = Bun.spawn([ISIS, "server", "-d", "-f", ini], { stdout: "pipe", stderr: "inherit" });
  const journal: string[] = [];
  void lines(server.stdout, journal);
  try {
    let port = 0;
    for (const t0 = performance.now(); !port && performance.now() - t0 < 5000; await Bun.sleep(5)) {
      port = Number(journal.map((l) => /server started as host \S+ on port (\d+)/.exec(l)?.[1]).find(Boolean) ?? 0);
    }
    if (!port) throw new Error(`isis did not start:\n${journal.join("\n")}`);

    const sentAt = new Map<number, number>();
    const answeredAt = new Map<number, number>();
    const l2 = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(socket, data) {
          const n = /^L1>L2 RT (\d+)/.exec(data.toString("latin1"))?.[1];
          if (n) socket.send(`L2>L1 DONE: RT ${n}\r`, port, "127.0.0.1");
        },
        error() {},
      },
    });
    const l1 = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(_socket, data) {
          const n = /^L2>L1 DONE: RT (\d+)/.exec(data.toString("latin1"))?.[1];
          if (n) answeredAt.set(Number(n), performance.now());
        },
        error() {},
      },
    });
    l2.send("L2>IS PING\r", port, "127.0.0.1");
    l1.send("L1>IS PING\r", port, "127.0.0.1");
    await Bun.sleep(100);

    const flooder = Bun.spawn([loadgen, String(port), "flood", String(FLOOD_MS), String(rate)], { stdout: "pipe", stderr: "inherit" });
    const t0 = performance.now();
    let n = 0;
    let peak = 0;
    while (performance.now() - t0 < FLOOD_MS) {
      sentAt.set(n, performance.now());
      try {
        l1.send(`L1>L2 RT ${n}\r`, port, "127.0.0.1");
      } catch {
        // an ICMP error reported for an earlier datagram: this round trip counts as lost
      }
      n++;
      if (n % 100 === 0) peak = Math.max(peak, memoryMb(server.pid).rss);
      await Bun.sleep(3);
    }
    const flooded = await new Response(flooder.stdout).text();
    await flooder.exited;
    await Bun.sleep(3000); // late answers, and the guard's "calmed down" (its bucket full again: 2 s of calm)
    l1.close();
    l2.close();

    const windows: Array<{ sent: number; answered: number }> = [];
    for (const [i, at] of sentAt) {
      const w = Math.floor((at - t0) / WINDOW_MS);
      windows[w] ??= { sent: 0, answered: 0 };
      const bucket = windows[w] as { sent: number; answered: number };
      bucket.sent++;
      if (answeredAt.has(i)) bucket.answered++;
    }
    const log = join(dir, `isis.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`);
    return {
      case: floodCase,
      flooderSent: Number(/sent=(\d+)/.exec(flooded)?.[1] ?? Number.NaN),
      flooderRate: Number(/rate=(\d+)/.exec(flooded)?.[1] ?? Number.NaN),
      roundTrips: n,
      answered: answeredAt.size,
      windows: windows.map((w) => w.answered / w.sent),
      logBytes: statSync(log).size,
      kernelDrops: dropsForPort(readFileSync("/proc/net/udp", "latin1"), port) ?? 0,
      peakRssMb: Math.max(peak, memoryMb(server.pid).peak),
      floodLines: journal.filter((l) => l.includes("flood:")),
    };
  } finally {
    server.kill();
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printFlood(r: FloodResult): void {
  const ok = (pass: boolean) => (!r.case.targets ? "" : pass ? "ok" : "MISSED");
  const share = r.answered / r.roundTrips;
  const worst = Math.min(...r.windows);
  const asked = `${r.case.rate === 0 ? "as fast as it can" : `asked for ${r.case.rate.toLocaleString()}/s`}${r.case.floodLimit ? `, FloodLimit ${r.case.floodLimit}` : ""}`;
  console.log(
    `\nflood: one client at ${r.flooderRate.toLocaleString()} datagrams/s (${asked}) for ${FLOOD_MS / 1000} s, ${r.flooderSent.toLocaleString()} sent`,
  );
  console.log(`  others' round trips answered        ${(share * 100).toFixed(1)}% of ${r.roundTrips}   target >= 80%   ${ok(share >= 0.8)}`);
  console.log(
    `  worst half second                   ${(worst * 100).toFixed(1)}% (${r.windows.map((w) => `${(w * 100).toFixed(0)}%`).join(" ")})   target >= 30%   ${ok(worst >= 0.3)}`,
  );
  console.log(`  runtime log                         ${(r.logBytes / 1e6).toFixed(2)} MB   target < 8 MB   ${ok(r.logBytes < 8 * 1024 * 1024)}`);
  console.log(`  server peak RSS                     ${r.peakRssMb.toFixed(1)} MB   target < 160 MB   ${ok(r.peakRssMb < 160)}`);
  console.log(`  kernel drops on the server's port   ${r.kernelDrops.toLocaleString()}`);
  for (const line of r.floodLines) console.log(`  journal: ${line.replace(/^\S+ /, "")}`);
}

if (import.meta.main) {
  const loadgen = process.argv[2];
  const work = loadgen ? undefined : mkdtempSync(join(tmpdir(), "isis-flood-loadgen-"));
  const binary = loadgen ?? join(work as string, "loadgen");
  if (!loadgen) {
    const cc = Bun.spawnSync(["cc", "-O2", "-o", binary, join(import.meta.dir, "loadgen.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0) throw new Error(`cc bench/loadgen.c failed:\n${cc.stderr}`);
  }
  try {
    for (const floodCase of FLOOD_CASES) printFlood(await floodBench(binary, floodCase));
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}
