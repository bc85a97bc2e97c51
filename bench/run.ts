// Benchmarks dist/isis (runtime log on) against a minimal C router (the
// floor) and the same router on Bun (bench/bun-floor.ts), interleaved
// A B C A B C so drift on a shared machine hits all alike.
// Everything runs on 127.0.0.1. Usage: npm run bench [-- --rounds N --quick]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FLOOD_CASES, floodBench, printFlood } from "./flood.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, quick: { type: "boolean", default: false } },
});
const ROUNDS = Number(values.rounds);
const QUICK = values.quick === true;
const ROOT = resolve(import.meta.dir, "..");
const ISIS = join(ROOT, "dist", "isis");
// The benchmark's own load generator (C, independent of the server's code).
const LOADGEN_SRC = join(import.meta.dir, "loadgen.c");
const work = mkdtempSync(join(tmpdir(), "isis-bench-"));

function compile(src: string, out: string): string {
  const cc = Bun.spawnSync(["cc", "-O2", "-o", out, src], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc ${src} failed:\n${cc.stderr}`);
  return out;
}
const loadgen = compile(LOADGEN_SRC, join(work, "loadgen"));
const floorBin = compile(join(import.meta.dir, "floor.c"), join(work, "floor"));

interface Load {
  rate: number;
  p50: number;
  p99: number;
  lost: number;
}

function runLoad(port: number, mode: "route" | "ping", count: number, window: number): Load {
  const p = Bun.spawnSync([loadgen, String(port), mode, String(count), String(window)], { stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const line = p.stdout.toString();
  if (!/rate=/.test(line))
    console.error(`loadgen ${mode} ${count} ${window} on ${port}: exit ${p.exitCode}, printed '${line.trim()}' ${p.stderr.toString().trim()}`);
  const num = (key: string) => Number(line.match(new RegExp(`${key}=([\\d.]+)`))?.[1] ?? Number.NaN);
  return { rate: num("rate"), p50: num("p50_us"), p99: num("p99_us"), lost: num("lost") };
}

/** CPU time a process (all its threads) has used, in µs: user and kernel, from /proc/PID/stat. */
function cpuMicros(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 1e6 / 100; // USER_HZ
  return { user: Number(fields[11]) * tick, sys: Number(fields[12]) * tick };
}

let nextPort = 17100 + Math.floor(Math.random() * 800) * 10;

interface Target {
  name: string;
  start(port: number): Bun.Subprocess;
}

const isisTarget: Target = {
  name: "isis",
  start(port) {
    const dir = join(work, `isis-${port}`);
    mkdirSync(dir, { recursive: true });
    const ini = join(dir, "isis.ini");
    writeFileSync(ini, `ServerID IS\nServerPort ${port}\nServerLog ${dir}/isis\nLogDate UTC\nNoHandshaking\n`);
    return Bun.spawn([ISIS, "server", "-d", "-f", ini], { stdout: Bun.file(join(dir, "journal.txt")), stderr: "inherit" });
  },
};
const bunFloorTarget: Target = {
  name: "bun",
  start: (port) => Bun.spawn([process.execPath, join(import.meta.dir, "bun-floor.ts"), String(port)], { stdout: "ignore", stderr: "inherit" }),
};
const floorTarget: Target = {
  name: "floor",
  start: (port) => Bun.spawn([floorBin, String(port)], { stdout: "ignore", stderr: "inherit" }),
};

/** Exec to the first PONG: PING every millisecond from the moment of spawn. */
async function firstPong(target: Target): Promise<{ ms: number; proc: Bun.Subprocess; port: number }> {
  const port = nextPort++;
  let got = 0;
  const sock = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, data) {
        if (!got && data.toString().includes("PONG")) got = performance.now();
      },
      // PINGs sent before the server has bound come back as "port unreachable".
      error() {},
    },
  });
  const t0 = performance.now();
  const proc = target.start(port);
  while (!got && performance.now() - t0 < 5000) {
    try {
      sock.send("PB>IS PING\r", port, "127.0.0.1");
    } catch {
      // "port unreachable" from the previous PING, reported by this send
    }
    // 1 ms apart: a tighter loop would flood the starting server (and arm its flood guard).
    await Bun.sleep(1);
  }
  sock.close();
  if (!got) throw new Error(`${target.name} never answered PING on ${port}`);
  return { ms: got - t0, proc, port };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const N_ROUTE = QUICK ? 50_000 : 200_000;
const N_W1 = QUICK ? 5_000 : 20_000;
const N_WARMUP = QUICK ? 20_000 : 100_000;
/** routeCpu: the server's CPU per routed message during the route load, µs (user, kernel). */
type Sample = { route: Load; routeCpu: { user: number; sys: number }; server: Load; w1: Load; startMs: number };
const samples: Record<string, Sample[]> = { isis: [], bun: [], floor: [] };

console.log(`isis bench: ${ROUNDS} rounds, interleaved isis / bun floor / floor, loopback only; work dir ${work}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const target of [isisTarget, bunFloorTarget, floorTarget]) {
    const { ms, proc, port } = await firstPong(target);
    // Steady state is what a server running for months delivers: an
    // unmeasured load first (both targets alike) lets the JIT settle, so
    // the samples are not a mix of warm-up and steady state (measured: the
    // first 100,000 round trips run ~10% slower than the next). Start-up
    // is measured separately, as exec to first PONG.
    runLoad(port, "route", N_WARMUP, 32);
    runLoad(port, "ping", N_WARMUP, 32);
    const cpu0 = cpuMicros(proc.pid as number);
    const route = runLoad(port, "route", N_ROUTE, 32);
    const cpu1 = cpuMicros(proc.pid as number);
    // Each round trip is two routed messages, each received and sent once.
    const perMessage = (a: number, b: number) => (b - a) / (2 * N_ROUTE);
    const sample: Sample = {
      startMs: ms,
      route,
      routeCpu: { user: perMessage(cpu0.user, cpu1.user), sys: perMessage(cpu0.sys, cpu1.sys) },
      server: runLoad(port, "ping", N_ROUTE, 32),
      w1: runLoad(port, "route", N_W1, 1),
    };
    proc.kill();
    await proc.exited;
    samples[target.name]?.push(sample);
    console.log(
      `round ${round} ${target.name.padEnd(5)} route/s ${sample.route.rate.toFixed(0).padStart(7)}  ping/s ${sample.server.rate.toFixed(0).padStart(7)}  ` +
        `w1 p50 ${sample.w1.p50.toFixed(1)}us p99 ${sample.w1.p99.toFixed(1)}us  lost ${sample.route.lost + sample.server.lost + sample.w1.lost}  first PONG ${ms.toFixed(1)} ms  ` +
        `CPU/msg user ${sample.routeCpu.user.toFixed(2)}us kernel ${sample.routeCpu.sys.toFixed(2)}us`,
    );
  }
}

// Memory: routed messages through one isis process, RSS after 1M and 5M.
const mem = await firstPong(isisTarget);
const memCounts = QUICK ? [100_000, 500_000] : [1_000_000, 5_000_000];
const rss: number[] = [];
const rssBusy: number[] = [];
let routed = 0;
let memLost = 0;
for (const target of memCounts) {
  // Each round trip is two routed messages (request and DONE:).
  const load = runLoad(mem.port, "route", (target - routed) / 2, 32);
  memLost += load.lost;
  routed = target;
  // Right at the end of the load, and once the server has been idle for 2 s
  // (the garbage collector has had its turn): the second is what it keeps.
  rssBusy.push(rssMb(mem.proc.pid as number));
  await Bun.sleep(2000);
  rss.push(rssMb(mem.proc.pid as number));
}
mem.proc.kill();
await mem.proc.exited;

const m = (name: string, pick: (s: Sample) => number) => median((samples[name] ?? []).map(pick));
type Pick = (s: Sample) => number;
const rows: Array<[string, Pick, string]> = [
  ["routed round trips/s, window 32", (s) => s.route.rate, ">= 0.6"],
  ["server PINGs/s, window 32", (s) => s.server.rate, ""],
  ["round trip p50 us, window 1", (s) => s.w1.p50, "<= 1.3"],
  ["round trip p99 us, window 1", (s) => s.w1.p99, ""],
  ["exec to first PONG ms", (s) => s.startMs, "isis <= 150 ms"],
  ["CPU per routed message, user us", (s) => s.routeCpu.user, ""],
  ["CPU per routed message, kernel us", (s) => s.routeCpu.sys, ""],
];
// "bun" is bench/bun-floor.ts: the floor's work on Bun's UDP API, for where the gap lies.
console.log(`${`\nmedians of ${ROUNDS} rounds`.padEnd(35)}     isis   bun floor       floor   ratio  target`);
for (const [label, pick, target] of rows) {
  const [ours, bun, floor] = [m("isis", pick), m("bun", pick), m("floor", pick)];
  const digits = Math.max(ours, floor) < 10 ? 2 : 1;
  console.log(
    `${label.padEnd(34)} ${ours.toFixed(digits).padStart(9)} ${bun.toFixed(digits).padStart(9)} ${floor.toFixed(digits).padStart(11)} ` +
      `${(ours / floor).toFixed(2).padStart(7)}  ${target}`,
  );
}
const lost =
  Object.values(samples)
    .flat()
    .reduce((n, s) => n + s.route.lost + s.server.lost + s.w1.lost, 0) + memLost;
console.log(`lost messages (all runs)           ${lost}`);
console.log(
  `isis RSS after ${memCounts[0]?.toLocaleString()} routed: ${rss[0]?.toFixed(1)} MB; after ${memCounts[1]?.toLocaleString()}: ${rss[1]?.toFixed(1)} MB ` +
    `(2 s after the load; target <= 64 MB, no growth)`,
);
console.log(`isis RSS at the end of the load itself: ${rssBusy.map((r) => `${r.toFixed(1)} MB`).join(", ")}`);
// A flood from one client while two others do round trips (bench/flood.ts).
for (const floodCase of FLOOD_CASES) printFlood(await floodBench(loadgen, floodCase));
if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
