// A real systemd to install isis under: systemd-nspawn boots this machine's
// own root, seen through an overlay whose upper layer is a tmpfs, so the
// container can install, enable and start services without touching the
// host's files. The network is the host's (no --private-network), so a
// server in the container answers on 127.0.0.1. Commands run inside with
// nsenter into every namespace of the container's systemd (the leader).
//
// Everything lives under one directory /tmp/isis-systemd-PID-XXXXXX (PID:
// the test process): a tmpfs, the overlay's layers and its mount point.
// stop() shuts the container down and removes it all; sweepStaleContainers()
// does the same for what a killed earlier run left behind.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { waitUntil } from "./wait.ts";

const PREFIX = "isis-systemd-";
const BASE_DIR = "/tmp";

/**
 * Units the container must not start: with the host's network shared, a
 * network manager inside would reconfigure the host's interfaces; timers
 * would run apt. The container boots to basic.target, so the host's
 * multi-user services (databases, ssh) are not started either.
 */
const MASKED = [
  "networking.service",
  "NetworkManager.service",
  "NetworkManager-wait-online.service",
  "systemd-networkd.service",
  "systemd-networkd.socket",
  "systemd-networkd-wait-online.service",
  "systemd-resolved.service",
  "ifupdown-wait-online.service",
  "dhcpcd.service",
  "systemd-timesyncd.service",
  "timers.target",
];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why this machine cannot boot a container here, or undefined if it can. */
export function whyNoContainer(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root: booting a container needs root (mount, systemd-nspawn)";
  for (const tool of ["systemd-nspawn", "nsenter", "mount", "umount"]) {
    if (!Bun.which(tool)) return `${tool} not found${tool === "systemd-nspawn" ? " (apt-get install systemd-container)" : ""}`;
  }
  return undefined;
}

export class Container {
  private constructor(
    readonly base: string,
    readonly name: string,
    private readonly nspawn: Subprocess,
    readonly leader: number,
  ) {}

  /** The container's root, seen from here: files written under it appear inside (the overlay both sides mount). */
  get root(): string {
    return join(this.base, "root");
  }

  /** A path inside the container, seen from here. */
  path(inside: string): string {
    return join(this.root, inside);
  }

  /**
   * Mount the overlay, prepare it (masks, then `prepare`), boot systemd and
   * wait until it has finished starting up. On any failure what was made
   * so far is taken down again.
   */
  static async boot(prepare: (root: string) => void, timeoutMs = 60_000): Promise<Container> {
    const base = mkdtempSync(join(BASE_DIR, `${PREFIX}${process.pid}-`));
    const name = `isis-test-${process.pid}`;
    const root = join(base, "root");
    let nspawn: Subprocess | undefined;
    try {
      mustRun(["mount", "-t", "tmpfs", "-o", "mode=0755", "isis-systemd-test", base]);
      for (const dir of ["upper", "work", "root"]) mkdirSync(join(base, dir));
      mustRun(["mount", "-t", "overlay", "isis-systemd-test", "-o", `lowerdir=/,upperdir=${base}/upper,workdir=${base}/work`, root]);
      for (const unit of MASKED) mask(root, unit);
      prepare(root);
      nspawn = Bun.spawn(
        ["systemd-nspawn", "--register=no", "--keep-unit", `--machine=${name}`, "-D", root, "-b", "systemd.firstboot=off", "systemd.unit=basic.target"],
        { stdin: "ignore", stdout: Bun.file(join(base, "console.log")), stderr: Bun.file(join(base, "nspawn.log")) },
      );
      const spawned = nspawn;
      const leader = await waitUntil("the container's systemd", () => systemdChild(spawned.pid), {
        timeoutMs,
        seen: () => `nspawn ${spawned.exitCode === null ? "running" : `exited ${spawned.exitCode}`}; ${tail(join(base, "nspawn.log"))}`,
      });
      const container = new Container(base, name, spawned, leader);
      // "offline" (or nothing) until the manager listens on its socket; then --wait waits for the end of start-up.
      let last = "";
      const state = await waitUntil(
        "the container's systemd to finish starting up",
        async () => {
          const r = await container.run(["systemctl", "is-system-running", "--wait"], timeoutMs);
          last = `${r.stdout.trim()} ${r.stderr.trim()}`;
          const answer = r.stdout.trim();
          return answer !== "" && answer !== "offline" && answer;
        },
        { timeoutMs, pollMs: 50, seen: () => `last: ${last}; console:\n${tail(join(base, "console.log"))}` },
      );
      if (state !== "running" && state !== "degraded") {
        throw new Error(`the container's systemd did not start up: ${state}; console:\n${tail(join(base, "console.log"))}`);
      }
      return container;
    } catch (error) {
      await takeDown(base, name, nspawn);
      throw error;
    }
  }

  /** Run a command inside the container (all its namespaces). Never throws for a non-zero exit: look at code. */
  async run(argv: string[], timeoutMs = 30_000): Promise<Run> {
    const proc = Bun.spawn(["nsenter", "-t", String(this.leader), "-a", ...argv], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  }

  /** As run(), but a non-zero exit is an error that shows what the command said. */
  async must(argv: string[], timeoutMs?: number): Promise<string> {
    const r = await this.run(argv, timeoutMs);
    if (r.code !== 0) throw new Error(`in the container: ${argv.join(" ")}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Shut the container down (as a poweroff, then by force) and remove its mounts and directory. */
  stop(): Promise<void> {
    return takeDown(this.base, this.name, this.nspawn, this.leader);
  }
}

/** Take down what earlier runs of this test left (killed before their cleanup): their processes by id, their mounts, their directories. */
export async function sweepStaleContainers(): Promise<string[]> {
  const swept: string[] = [];
  const bases = new Set([
    ...readdirSync(BASE_DIR)
      .filter((entry) => entry.startsWith(PREFIX))
      .map((entry) => join(BASE_DIR, entry)),
    ...mountPoints().flatMap((m) => /^(.*\/isis-systemd-[^/]+)/.exec(m)?.[1] ?? []),
  ]);
  for (const base of bases) {
    const owner = Number(/isis-systemd-(\d+)-/.exec(base)?.[1]);
    // A run still going on (another test process) is not stale.
    if (owner && existsSync(`/proc/${owner}`)) continue;
    await killAll([...nspawnsFor(base), ...processesOf(base)]);
    unmountAll(base);
    if (existsSync(base) && readdirSync(base).length === 0) rmdirSync(base);
    if (owner) removeNspawnLeftovers(`isis-test-${owner}`);
    swept.push(base);
  }
  return swept;
}

async function takeDown(base: string, name: string, nspawn: Subprocess | undefined, leader?: number): Promise<void> {
  if (nspawn && nspawn.exitCode === null) {
    // SIGTERM: nspawn asks the container's systemd to power off, which stops every service in order.
    nspawn.kill("SIGTERM");
    // Its exit is awaited, for at most 20 s.
    const stopped = await Promise.race([nspawn.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
    if (!stopped) {
      // Killing the container's init kills everything in its PID namespace.
      if (leader) killQuietly(leader, "SIGKILL");
      nspawn.kill("SIGKILL");
      await nspawn.exited;
    }
  }
  await killAll(processesOf(base));
  unmountAll(base);
  if (existsSync(base) && readdirSync(base).length === 0) rmdirSync(base);
  removeNspawnLeftovers(name);
}

/** The container's systemd: nspawn's child, once it runs systemd. */
function systemdChild(nspawnPid: number): number | undefined {
  const children = readOr(`/proc/${nspawnPid}/task/${nspawnPid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
  return children.find((pid) => readOr(`/proc/${pid}/comm`).trim() === "systemd");
}

/**
 * The container's processes, found by their root: a mount whose upper layer
 * is under base (the link /proc/PID/root reads "/" from here, so the mount
 * table of each process is what tells).
 */
function processesOf(base: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const rootMount = readOr(`/proc/${entry}/mountinfo`)
      .split("\n")
      .find((line) => line.split(" ")[4] === "/");
    if (rootMount?.includes(`upperdir=${base}/upper`)) pids.push(Number(entry));
  }
  return pids;
}

/** systemd-nspawn processes running a container from base. */
function nspawnsFor(base: string): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const argv = readOr(`/proc/${entry}/cmdline`).split("\0");
    return argv[0]?.endsWith("systemd-nspawn") && argv.includes(join(base, "root")) ? [Number(entry)] : [];
  });
}

function mountPoints(): string[] {
  return readOr("/proc/self/mountinfo")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter(Boolean)
    .map((m) => m.replace(/\\040/g, " "));
}

/** Unmount everything at or under base, deepest first; lazily if busy. */
function unmountAll(base: string): void {
  const under = mountPoints()
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of under) {
    if (Bun.spawnSync(["umount", m], { stderr: "pipe" }).exitCode !== 0) Bun.spawnSync(["umount", "-l", m], { stderr: "pipe" });
  }
}

/** nspawn keeps per-machine state under /run/systemd/nspawn; on a host without systemd's tmpfs /run it may stay. */
function removeNspawnLeftovers(name: string): void {
  for (const dir of [`/run/systemd/nspawn/propagate/${name}`, `/run/systemd/nspawn/unix-export/${name}`]) {
    try {
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // not ours to remove after all
    }
  }
}

function mask(root: string, unit: string): void {
  const link = join(root, "etc/systemd/system", unit);
  mkdirSync(dirname(link), { recursive: true });
  if (existsSync(link)) return;
  symlinkSync("/dev/null", link);
}

/** Copy a file into the container's file system (mode kept, or as given). */
export function copyInto(root: string, from: string, to: string, mode?: number): void {
  const target = join(root, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(from, target);
  if (mode !== undefined) chmodSync(target, mode);
}

/** Write a file into the container's file system. */
export function writeInto(root: string, to: string, text: string): void {
  const target = join(root, to);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

function mustRun(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
}

/** SIGKILL these processes (ours: found by our container's directory) and wait until they are gone. */
async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) killQuietly(pid, "SIGKILL");
  await waitUntil("the container's processes to exit", () => pids.every((pid) => !existsSync(`/proc/${pid}/mountinfo`)), { timeoutMs: 10_000 });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function readOr(path: string, fallback = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

function tail(path: string, lines = 30): string {
  return readOr(path).split("\n").slice(-lines).join("\n");
}
