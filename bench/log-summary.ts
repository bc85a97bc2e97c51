// How fast `isis log` reads a season: writes a realistic runtime log of a
// busy observing day (~100 MB: agents answering commands with progress and
// completion lines, heartbeats, server queries, errors, a restart, a few
// malformed datagrams) into a temporary directory, then times the compiled
// binary end to end (`dist/isis log summary --json` and a `grep`), with its
// peak RSS, and checks the summary against what was written.
// Usage: bun bench/log-summary.ts [MEGABYTES] [RUNS]   (npm run bench:log;
// KEEP=1 leaves the generated log in place and prints where).
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Summary } from "../src/forensics/summary.ts";
import { formatIsoMicros } from "../src/shared/timestamp.ts";

const MEGABYTES = Number(process.argv[2] ?? 100);
const RUNS = Number(process.argv[3] ?? 3);
const ISIS = resolve(import.meta.dir, "..", "dist", "isis");
const dir = mkdtempSync(join(tmpdir(), "isis-log-bench-"));
const root = join(dir, "isis");
const KEY = "20250915";
const path = `${root}.${KEY}.log`;

// A deterministic day (xorshift), as a server with LogDate UTC files it.
let seed = 0x2545f491;
const random = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const AGENTS = ["M1.IE", "M1.CB", "M1.TC", "M1.RC", "M1.BC", "M1.ENV", "M2.IE", "M2.CB", "M2.TC", "M2.ENV", "M1.IUB", "M2.IUB"];
const WORDS = ["FILTER", "GRATING", "SLITMASK", "EXPOSE", "READOUT", "HATCH", "CALIB", "DICHROIC", "FOCUS", "STATUS", "TEMP", "AGW"];
const REQUESTERS = ["IPC1", "IPC2", "MODS1", "MODS2"];

const target = MEGABYTES * 1_000_000;
const chunks: string[] = [];
let size = 0;
let t = Date.UTC(2025, 8, 15, 0, 0, 0);
const spanMs = 23 * 3600 * 1000;
let lines = 0;
const expected = { requests: 0, completed: 0, errors: 0, heartbeats: 0, malformed: 0 };
const line = (text: string, at = t) => {
  const l = `${formatIsoMicros(at)} ${text}\n`;
  chunks.push(l);
  size += l.length;
  lines++;
};
const estimatedLines = target / 80;
const step = () => {
  t += (spanMs / estimatedLines) * (0.5 + random());
};

chunks.push("------------------------------\n", `IS runtime log (re)started at UTC ${formatIsoMicros(t)}\n`);
line("Server started as host IS on port 6600, isis 4.0.0, rcFile=/home/dts/Config/isis.ini");
for (const a of [...AGENTS, ...REQUESTERS]) {
  line(`${a}>IS PING`);
  line(`Added UDP Client ${a} on host 192.168.139.${10 + AGENTS.indexOf(a)}:${10000 + a.length * 7}`);
  line(`IS>${a} PONG`);
}
while (size < target) {
  step();
  const r = random();
  if (r < 0.62) {
    const from = pick(REQUESTERS);
    const to = pick(AGENTS);
    const word = pick(WORDS);
    const sentAt = t;
    line(`${from}>${to} ${word.toLowerCase()} ${Math.floor(random() * 100)}`);
    expected.requests++;
    if (random() < 0.5) {
      step();
      line(`${to}>${from} STATUS: ${word} moving to position ${Math.floor(random() * 8)} of 8, ETA ${Math.floor(random() * 30)} s`);
    }
    step();
    const error = random() < 0.03;
    line(
      `${to}>${from} ${error ? "ERROR" : "DONE"}: ${word} ${error ? "motor fault, limit switch reached" : `POS=${Math.floor(random() * 8)} TEMP=${(random() * 20).toFixed(2)}`}`,
    );
    line(`Command ${from}>${to} ${word} ended with ${error ? "ERROR" : "DONE"}: after ${(t - sentAt).toFixed(3)} ms`);
    expected.completed++;
    if (error) expected.errors++;
  } else if (r < 0.85) {
    const a = pick(AGENTS);
    line(`heartbeat ${a} (192.168.139.${10 + AGENTS.indexOf(a)}:${10000 + a.length * 7})`);
    expected.heartbeats++;
  } else if (r < 0.998) {
    const from = pick(REQUESTERS);
    line(`${from}>IS STATUS`);
    line(
      `IS>${from} DONE: STATUS HostName=IS HostAddr=mods1:6600 rcFile=/home/dts/Config/isis.ini logFile=/home/Logs/ISIS/isis.${KEY}.log numClients=16 Concise +LOG +HANDSHAKE -CLI`,
      t + 0.2,
    );
  } else {
    line(`Ignored malformed message from 192.168.139.99:${40000 + Math.floor(random() * 1000)}: no '>' in the address header: 'garbage'`);
    expected.malformed++;
  }
  if (chunks.length >= 50_000) {
    writeFileSync(path, chunks.join(""), { flag: "a" });
    chunks.length = 0;
  }
}
writeFileSync(path, chunks.join(""), { flag: "a" });
writeFileSync(join(dir, "isis.ini"), `ServerID IS\nServerLog ${root}\nLogDate UTC\n`);
const bytes = statSync(path).size;
console.log(`log-summary: wrote ${(bytes / 1e6).toFixed(1)} MB, ${lines.toLocaleString()} lines, to ${path}`);

interface Sample {
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}

const TIME = "/usr/bin/time";
const haveTime = existsSync(TIME);

/**
 * One run of the compiled binary. Peak RSS comes from /usr/bin/time: a
 * child's own rusage starts from its parent's RSS at fork, and this process
 * holds the generated log's strings.
 */
function run(args: string[]): { sample: Sample; stdout: string } {
  const argv = [ISIS, "log", ...args, "-f", join(dir, "isis.ini"), "--night", "2025-09-15"];
  const start = performance.now();
  const p = Bun.spawnSync(haveTime ? [TIME, "-f", "isis-time %M %U %S", ...argv] : argv, { stdout: "pipe", stderr: "pipe" });
  const seconds = (performance.now() - start) / 1000;
  const stderr = p.stderr.toString();
  if (p.exitCode !== 0) throw new Error(`isis log ${args.join(" ")}: exit ${p.exitCode}: ${stderr}`);
  const timed = /isis-time (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  const usage = p.resourceUsage;
  const sample = timed
    ? { seconds, cpuSeconds: Number(timed[2]) + Number(timed[3]), maxRssMiB: Number(timed[1]) / 1024 }
    : { seconds, cpuSeconds: usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : Number.NaN, maxRssMiB: Number.NaN };
  return { sample, stdout: p.stdout.toString() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
// The machine is shared: its load says how far wall-clock figures are from the best case.
const report = (what: string, samples: Sample[]) =>
  console.log(
    `log-summary: ${what}: ${samples.map((s) => s.seconds.toFixed(2)).join(" ")} s (median ${median(samples.map((s) => s.seconds)).toFixed(2)} s, ` +
      `${(bytes / 1e6 / median(samples.map((s) => s.seconds))).toFixed(0)} MB/s; CPU ${median(samples.map((s) => s.cpuSeconds)).toFixed(2)} s); ` +
      `peak RSS ${median(samples.map((s) => s.maxRssMiB)).toFixed(1)} MiB; load average ${loadavg()[0]?.toFixed(2)}`,
  );

try {
  const summaries: Sample[] = [];
  let summary: Summary | undefined;
  for (let i = 0; i < RUNS; i++) {
    const r = run(["summary", "--json"]);
    summaries.push(r.sample);
    summary = JSON.parse(r.stdout) as Summary;
  }
  report("summary --json", summaries);
  const greps: Sample[] = [];
  for (let i = 0; i < RUNS; i++) greps.push(run(["grep", "--node", "M1.IE", "--type", "error"]).sample);
  report("grep --node M1.IE --type error", greps);

  // The summary must agree with what was written, or the figures above mean nothing.
  const s = summary as Summary;
  const counters = s.runs.at(-1)?.counters;
  const requests = s.commands.filter((c) => c.dest !== "IS").reduce((n, c) => n + c.count, 0);
  const errors = s.commands.filter((c) => c.dest !== "IS").reduce((n, c) => n + c.errors, 0);
  const checks: [string, number, number][] = [
    ["lines", s.lines.total, lines + 2],
    ["unknown lines", s.lines.unknown + s.lines.garbage, 0],
    ["requests", requests, expected.requests],
    ["completed", counters?.completed ?? -1, expected.completed],
    ["errors", errors, expected.errors],
    ["malformed", counters?.malformed ?? -1, expected.malformed],
  ];
  const wrong = checks.filter(([, got, want]) => got !== want);
  for (const [what, got, want] of wrong) console.error(`log-summary: ${what}: summary says ${got}, the generator wrote ${want}`);
  if (wrong.length > 0) process.exitCode = 1;
  else
    console.log(
      `log-summary: the summary agrees with the generator (${expected.requests.toLocaleString()} commands, ${expected.heartbeats.toLocaleString()} heartbeats)`,
    );
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
}
