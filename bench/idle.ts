// What an idle server costs: CPU, thread wake-ups and resident memory over a
// stretch with no traffic at all. Usage:
//   npx bun bench/idle.ts [--seconds 30] [--runs 3] [--clients 9] [--bin PATH] [--config-line 'MetricsFile ...']
// It starts dist/isis (or --bin) on a fresh config on 127.0.0.1 (port 0),
// registers --clients clients (one PING each, as agents at the start of a
// night) and then sends nothing. After 3 s it samples, for all the server's
// threads, CPU time (/proc/PID/stat), the times a thread was put on a CPU
// (/proc/PID/task/*/schedstat: each is a wake-up) and resident memory
// (VmRSS), then again after --seconds, and prints the difference per second.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    runs: { type: "string", default: "3" },
    clients: { type: "string", default: "9" },
    bin: { type: "string", default: resolve(import.meta.dir, "..", "dist", "isis") },
    "config-line": { type: "string", multiple: true, default: [] },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);

interface Sample {
  cpuTicks: number;
  switches: number;
  threads: number;
  rssKb: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let switches = 0;
  const tasks = readdirSync(`/proc/${pid}/task`);
  for (const tid of tasks) {
    try {
      // run time (ns), wait time (ns), timeslices run: the third counts each time the thread got a CPU.
      switches += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[2]);
    } catch {
      // a thread that ended between readdir and read
    }
  }
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), switches, threads: tasks.length, rssKb: Number(rss?.[1] ?? 0) };
}

async function oneRun(): Promise<{ cpuPercent: number; wakeupsPerSecond: number; rssMb: number; threads: number }> {
  const dir = mkdtempSync(join(tmpdir(), "isis-idle-"));
  try {
    const config = join(dir, "isis.ini");
    writeFileSync(config, ["ServerID IS", "ServerPort 0", `ServerLog ${join(dir, "isis")}`, "LogDate UTC", ...values["config-line"], ""].join("\n"));
    const proc = Bun.spawn([values.bin, "server", "-d", "-f", config], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
    try {
      const port = await startupPort(proc.stdout);
      for (let i = 0; i < CLIENTS; i++) {
        const socket = await Bun.udpSocket({ hostname: "127.0.0.1" });
        socket.send(`AGENT${i}>IS PING\r`, port, "127.0.0.1");
        socket.close();
      }
      await Bun.sleep(3000);
      const before = sample(proc.pid);
      const t0 = performance.now();
      await Bun.sleep(SECONDS * 1000);
      const after = sample(proc.pid);
      const elapsed = (performance.now() - t0) / 1000;
      return {
        cpuPercent: ((after.cpuTicks - before.cpuTicks) / 100 / elapsed) * 100,
        wakeupsPerSecond: (after.switches - before.switches) / elapsed,
        rssMb: after.rssKb / 1024,
        threads: after.threads,
      };
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startupPort(stdout: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stdout.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server ended before it was ready:\n${text}`);
    text += new TextDecoder().decode(value);
    const m = /on port (\d+)/.exec(text);
    if (m) {
      // Keep draining its journal so it never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })();
      return Number(m[1]);
    }
  }
}

console.log(`${values.bin}: idle ${SECONDS} s with ${CLIENTS} clients known, ${values.runs} runs`);
for (let run = 1; run <= Number(values.runs); run++) {
  const r = await oneRun();
  console.log(`run ${run}: CPU ${r.cpuPercent.toFixed(2)}%, ${r.wakeupsPerSecond.toFixed(1)} wake-ups/s (${r.threads} threads), RSS ${r.rssMb.toFixed(1)} MB`);
}
