// What an idle server costs: CPU, thread wake-ups and resident memory over a
// stretch with no traffic at all. Usage:
//   npm run bench:idle [-- --seconds 30] [--settle 40] [--runs 3] [--clients 9] [--bin PATH] [--env K=V] [--config-line 'MetricsFile ...']
// It starts dist/isis (or --bin) on a fresh config on 127.0.0.1 (port 0),
// registers --clients clients (one PING each, as agents at the start of a
// night) and then sends nothing. After --settle seconds (start-up, Bun's
// first GC rounds and the release of start-up pages are over by 40) it
// samples, for all the server's threads, CPU time (/proc/PID/stat), the
// times a thread was put on a CPU (/proc/PID/task/*/schedstat: each is a
// wake-up) and resident memory (VmRSS, and how much of it is anonymous and
// how much the binary's file pages), then again after --seconds, and
// prints the difference per second. --settle 3 shows the first minute.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    settle: { type: "string", default: "40" },
    env: { type: "string", multiple: true, default: [] },
    runs: { type: "string", default: "3" },
    clients: { type: "string", default: "9" },
    bin: { type: "string", default: resolve(import.meta.dir, "..", "dist", "isis") },
    "config-line": { type: "string", multiple: true, default: [] },
  },
});
const SECONDS = Number(values.seconds);
const SETTLE = Number(values.settle);
const ENV = Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const CLIENTS = Number(values.clients);

interface Sample {
  cpuTicks: number;
  /** Per thread: the times it was put on a CPU. */
  switches: Map<string, number>;
  threads: number;
  rssKb: number;
  anonKb: number;
  fileKb: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const switches = new Map<string, number>();
  const tasks = readdirSync(`/proc/${pid}/task`);
  for (const tid of tasks) {
    try {
      // run time (ns), wait time (ns), timeslices run: the third counts each time the thread got a CPU.
      switches.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[2]));
    } catch {
      // a thread that ended between readdir and read
    }
  }
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return {
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    switches,
    threads: tasks.length,
    rssKb: kb("VmRSS"),
    anonKb: kb("RssAnon"),
    fileKb: kb("RssFile"),
  };
}

async function oneRun(): Promise<{ cpuPercent: number; wakeupsPerSecond: number; rssMb: number; anonMb: number; fileMb: number; threads: number }> {
  const dir = mkdtempSync(join(tmpdir(), "isis-idle-"));
  try {
    const config = join(dir, "isis.ini");
    writeFileSync(config, ["ServerID IS", "ServerPort 0", `ServerLog ${join(dir, "isis")}`, "LogDate UTC", ...values["config-line"], ""].join("\n"));
    const proc = Bun.spawn([values.bin, "server", "-d", "-f", config], { stdin: "ignore", stdout: "pipe", stderr: "inherit", env: { ...process.env, ...ENV } });
    try {
      const port = await startupPort(proc.stdout);
      for (let i = 0; i < CLIENTS; i++) {
        const socket = await Bun.udpSocket({ hostname: "127.0.0.1" });
        socket.send(`AGENT${i}>IS PING\r`, port, "127.0.0.1");
        socket.close();
      }
      await Bun.sleep(SETTLE * 1000);
      const before = sample(proc.pid);
      const t0 = performance.now();
      await Bun.sleep(SECONDS * 1000);
      const after = sample(proc.pid);
      const elapsed = (performance.now() - t0) / 1000;
      return {
        cpuPercent: ((after.cpuTicks - before.cpuTicks) / 100 / elapsed) * 100,
        // Threads that ended within the window take their count with them: a floor, not an exact figure.
        wakeupsPerSecond: [...after.switches].reduce((n, [tid, count]) => n + count - (before.switches.get(tid) ?? 0), 0) / elapsed,
        rssMb: after.rssKb / 1024,
        anonMb: after.anonKb / 1024,
        fileMb: after.fileKb / 1024,
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

console.log(
  `${values.bin}: idle ${SECONDS} s from ${SETTLE} s after start, ${CLIENTS} clients known, ${values.runs} runs${values.env.length ? `, ${values.env.join(" ")}` : ""}`,
);
for (let run = 1; run <= Number(values.runs); run++) {
  const r = await oneRun();
  console.log(
    `run ${run}: CPU ${r.cpuPercent.toFixed(2)}%, ${r.wakeupsPerSecond.toFixed(2)} wake-ups/s (${r.threads} threads), RSS ${r.rssMb.toFixed(1)} MB (anonymous ${r.anonMb.toFixed(1)}, file ${r.fileMb.toFixed(1)})`,
  );
}
