// The wall time of one `isis cmd` call, exec to exit, as a script's loop
// sees it (pokeMODS1 makes 23 in a row), against the Perl isisCmd the field
// uses today, both asking the same dist/isis server for STATUS on 127.0.0.1.
// Calls alternate (ours, Perl, ours, ...) so drift on a shared machine hits
// both alike; the medians are printed with the spread.
//
// Usage: npm run bench:cmd [-- --calls 20 --perl DIR --isis BIN]
//   DIR (or $ISIS_PERL_CLIENT) holds isisCmd.pl and ISIS.pm from
//   rwpogge/MODS2025's modsPerl/. A patched copy is run: its server address
//   becomes 127.0.0.1 and this run's port. Without it only ours is timed.
//   BIN: another build of isis to time as the client (e.g. an older one);
//   the server is always dist/isis.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { calls: { type: "string", default: "20" }, perl: { type: "string" }, isis: { type: "string" } },
});
const CALLS = Number(values.calls);
const PERL_DIR = values.perl ?? process.env.ISIS_PERL_CLIENT;
const ISIS = resolve(import.meta.dir, "..", "dist", "isis");
const CLIENT = values.isis === undefined ? ISIS : resolve(values.isis);
const work = mkdtempSync(join(tmpdir(), "isis-cmd-bench-"));

interface Client {
  readonly name: string;
  readonly argv: readonly string[];
  readonly times: number[];
}

/** Start the compiled server on a free loopback port; resolves with the process and its port. */
async function startServer(): Promise<{ proc: Bun.Subprocess<"ignore", "pipe", "inherit">; port: number }> {
  const config = join(work, "isis.ini");
  writeFileSync(config, `ServerID IS\nServerPort 0\nServerLog ${join(work, "isis")}\nLogDate UTC\n`);
  const proc = Bun.spawn([ISIS, "server", "-d", "-f", config], { cwd: work, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  // A reader, not for-await: leaving that loop would cancel the stream, and
  // the server would then write its journal into a closed pipe.
  const reader = proc.stdout.getReader();
  let seen = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the server never said its port:\n${seen}`);
    seen += Buffer.from(value).toString();
    const port = /on port (\d+)/.exec(seen)?.[1];
    if (port) {
      void (async () => {
        while (!(await reader.read()).done);
      })();
      return { proc, port: Number(port) };
    }
  }
}

/**
 * The Perl client pointed at our server: the only lines changed are the
 * instruments' addresses and ports, and the run refuses to go on unless both
 * were found, so no datagram can go to the field's addresses.
 */
function perlClient(dir: string, port: number): string[] {
  const script = readFileSync(join(dir, "isisCmd.pl"), "latin1");
  const hosts = /^@modsHosts\s*=.*$/m;
  const ports = /^@modsPorts\s*=.*$/m;
  if (!hosts.test(script) || !ports.test(script)) throw new Error(`${dir}/isisCmd.pl: no @modsHosts/@modsPorts line to point at 127.0.0.1`);
  const patched = script.replace(hosts, '@modsHosts = ("127.0.0.1","127.0.0.1");').replace(ports, `@modsPorts = (${port},${port});`);
  writeFileSync(join(work, "isisCmd.pl"), patched, "latin1");
  writeFileSync(join(work, "ISIS.pm"), readFileSync(join(dir, "ISIS.pm")));
  return ["perl", "-I", work, join(work, "isisCmd.pl"), "--mods1", "is", "status"];
}

/** One call, exec to exit, in ms; throws unless it printed the STATUS reply and exited 0. */
function timeCall(client: Client): number {
  const started = performance.now();
  const p = Bun.spawnSync([...client.argv], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 10_000 });
  const ms = performance.now() - started;
  const out = p.stdout.toString();
  if (p.exitCode !== 0 || !out.includes("DONE: STATUS HostName=IS")) {
    throw new Error(`${client.name}: exit ${p.exitCode}, printed ${JSON.stringify(out)} ${p.stderr.toString()}`);
  }
  return ms;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

const server = await startServer();
try {
  const clients: Client[] = [
    { name: "isis cmd --host 127.0.0.1:PORT is status", argv: [CLIENT, "cmd", "--host", `127.0.0.1:${server.port}`, "is", "status"], times: [] },
  ];
  if (PERL_DIR && existsSync(join(PERL_DIR, "isisCmd.pl"))) {
    clients.push({ name: "perl isisCmd.pl --mods1 is status", argv: perlClient(PERL_DIR, server.port), times: [] });
  } else {
    console.log("(no Perl client: pass --perl DIR or set ISIS_PERL_CLIENT to time it too)");
  }
  // One unmeasured call each: the page cache, the server's host table.
  for (const c of clients) timeCall(c);
  for (let i = 0; i < CALLS; i++) for (const c of clients) c.times.push(timeCall(c));

  console.log(`${CALLS} calls each, exec to exit, alternating, against dist/isis on 127.0.0.1:${server.port}\n`);
  const medians: number[] = [];
  for (const c of clients) {
    const sorted = [...c.times].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    medians.push(median);
    const f = (ms: number) => ms.toFixed(1).padStart(6);
    console.log(`${c.name.padEnd(44)} median ${f(median)} ms   min ${f(sorted[0] as number)}   p90 ${f(quantile(sorted, 0.9))}`);
  }
  if (medians.length === 2) console.log(`\nisis cmd / Perl isisCmd, medians: ${((medians[0] as number) / (medians[1] as number)).toFixed(2)}`);
} finally {
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  rmSync(work, { recursive: true, force: true });
}
