// The host table on disk, so routes survive a restart (spec/server.md "Do
// better" 9): written after a change, off the message path (debounced, one
// write at a time, temp file + fsync + rename so a crash leaves the old file
// or the new one, never half of one), and read back at start. A missing,
// unreadable or corrupt file costs the saved routes, never the start.
import { mkdir, readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ServerConfig } from "../config/server-config.ts";
import { mayClaim } from "../core/access.ts";
import { type HostEntry, type HostTable, MAX_HOSTS } from "../core/host-table.ts";
import { escapeControls } from "../protocol/escape.ts";
import { isBroadcast, nodeNameProblem } from "../protocol/message.ts";
import { type Endpoint, isIPv4, type UdpEndpoint, udpEndpoint } from "../shared/endpoint.ts";
import type { Priority } from "../shared/priority.ts";
import { describeFsError, readSmallFile } from "../shared/read-file.ts";
import { tempFileOwner, writeFileReplacing } from "../shared/replace-file.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";

const FORMAT = "isis-hosts";
const VERSION = 1;

/**
 * Where the host table is kept: the StateFile keyword if given ('off': nowhere);
 * else systemd's StateDirectory (`stateDirectory`, from $STATE_DIRECTORY);
 * else beside the runtime log (ServerLog root + `.hosts.json`), a directory
 * the server can already write to, also under the installed unit's sandbox.
 */
export function stateFilePath(config: ServerConfig, stateDirectory: string | undefined): string | undefined {
  if (config.stateFile === false) return undefined;
  if (config.stateFile !== undefined) return config.stateFile;
  if (stateDirectory) return join(stateDirectory, "isis-hosts.json");
  return `${config.serverLog}.hosts.json`;
}

export interface SavedHost {
  name: string;
  slot: number;
  lastHeard: number;
  udp?: { address: string; port: number };
  serial?: { index: number; device: string };
}

/** Whose table it is: a file of another server (another ServerID or port sharing the path) is not restored. */
export function encodeState(serverId: string, port: number, entries: readonly HostEntry[], now: number): string {
  const hosts: SavedHost[] = entries.map((e) => ({
    name: e.name,
    slot: e.slot,
    lastHeard: e.lastHeard,
    ...(e.endpoint.kind === "udp"
      ? { udp: { address: e.endpoint.address, port: e.endpoint.port } }
      : { serial: { index: e.endpoint.index, device: e.endpoint.device } }),
  }));
  return `${JSON.stringify({ format: FORMAT, version: VERSION, serverId, port, saved: new Date(now).toISOString(), hosts }, null, 1)}\n`;
}

export type ReadResult =
  /** serverId and port as saved; absent in files from before they were recorded. */
  | { readonly ok: true; readonly hosts: readonly SavedHost[]; readonly serverId?: string; readonly port?: number }
  | { readonly ok: false; readonly missing: boolean; readonly reason: string };

/** Parse a state file's text; any shape other than ours is a reason. Entries are checked one by one on restore. */
export function decodeState(text: string): ReadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, missing: false, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const doc = data as { format?: unknown; version?: unknown; hosts?: unknown; serverId?: unknown; port?: unknown } | null;
  if (typeof doc !== "object" || doc === null || doc.format !== FORMAT) return { ok: false, missing: false, reason: "not an isis host table" };
  if (doc.version !== VERSION) return { ok: false, missing: false, reason: `unknown version ${String(doc.version)}` };
  if (!Array.isArray(doc.hosts)) return { ok: false, missing: false, reason: "no host list" };
  return {
    ok: true,
    hosts: doc.hosts as SavedHost[],
    ...(typeof doc.serverId === "string" ? { serverId: doc.serverId } : {}),
    ...(Number.isInteger(doc.port) ? { port: doc.port as number } : {}),
  };
}

/**
 * Why a state file is not this server's, or undefined when it is: another
 * ServerID, or another port when both are fixed (ServerPort 0 takes any
 * port at each start). Two servers on one host must not take each other's
 * routes; a file from before these were recorded is taken as ours.
 */
export function ownerProblem(saved: { readonly serverId?: string; readonly port?: number }, serverId: string, configuredPort: number): string | undefined {
  const idDiffers = saved.serverId !== undefined && saved.serverId.toUpperCase() !== serverId;
  const portDiffers = saved.port !== undefined && saved.port !== 0 && configuredPort !== 0 && saved.port !== configuredPort;
  if (!idDiffers && !portDiffers) return undefined;
  const theirs = `${saved.serverId ?? "?"}${saved.port === undefined ? "" : ` on port ${saved.port}`}`;
  return `it is the host table of ${theirs}, not of this server (${serverId} on port ${configuredPort === 0 ? "any" : configuredPort})`;
}

/** The state file, read as any small file is (a regular file, bounded, in time): a FIFO left there must not hang the start. */
export async function readState(path: string): Promise<ReadResult> {
  const read = await readSmallFile(path);
  if (!read.ok) return { ok: false, missing: read.missing, reason: read.reason };
  return decodeState(new TextDecoder().decode(read.bytes));
}

/**
 * Put saved clients back into an empty table. An entry that no longer fits
 * the configuration (bad name or address, a serial port that is now another
 * device, a name pinned elsewhere) is skipped and named in the result, and
 * so is one that would be a loop: the server's own name or AL, or the
 * server's own socket (`isOwn`).
 */
export function restoreHosts(
  table: HostTable,
  hosts: readonly SavedHost[],
  config: ServerConfig,
  isOwn: (e: UdpEndpoint) => boolean = () => false,
): { restored: number; skipped: string[] } {
  let restored = 0;
  const skipped: string[] = [];
  for (const saved of hosts.slice(0, MAX_HOSTS * 2)) {
    const name = typeof saved?.name === "string" ? saved.name.toUpperCase() : "";
    const endpoint = savedEndpoint(saved, config);
    const lastHeard = Number.isFinite(saved?.lastHeard) ? saved.lastHeard : 0;
    const ok =
      endpoint !== undefined &&
      nodeNameProblem(name) === undefined &&
      name !== config.serverId &&
      !isBroadcast(name) &&
      !(endpoint.kind === "udp" && isOwn(endpoint)) &&
      Number.isInteger(saved.slot) &&
      mayClaim(config.pins, name, endpoint) &&
      table.restore(name, saved.slot, endpoint, lastHeard);
    if (ok) restored++;
    // Named in the journal: a damaged file's name is shown escaped and cut, never written raw.
    else skipped.push(name === "" ? "?" : escapeControls(name.length > 32 ? `${name.slice(0, 32)}...` : name));
  }
  return { restored, skipped };
}

function savedEndpoint(saved: SavedHost | null | undefined, config: ServerConfig): Endpoint | undefined {
  const udp = saved?.udp;
  if (udp && typeof udp.address === "string" && isIPv4(udp.address) && Number.isInteger(udp.port) && udp.port > 0 && udp.port < 65536) {
    return udpEndpoint(udp.address, udp.port);
  }
  const serial = saved?.serial;
  if (serial && Number.isInteger(serial.index) && config.ttyPorts[serial.index] === serial.device) {
    return { kind: "serial", index: serial.index, device: serial.device };
  }
  return undefined;
}

/**
 * Remove the temporary files a save leaves behind when the server is killed
 * between writing and renaming (kill -9, a power cut): ours (replace-file's
 * hidden `.NAME.PID-...tmp`) and the older `PATH.tmp-PID`, when made by this
 * process's PID or by a process that no longer exists (another live server's
 * are left alone). Returns the names removed.
 */
export async function removeStaleTemps(path: string, isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const base = basename(path);
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const legacy = name.startsWith(`${base}.tmp-`) ? name.slice(base.length + 5) : "";
    const pid = /^\d{1,10}$/.test(legacy) ? Number(legacy) : tempFileOwner(base, name);
    if (pid === undefined || (pid !== process.pid && isAlive(pid))) continue;
    if (await unlinkQuietly(join(dir, name))) removed.push(name);
  }
  return removed;
}

const unlinkQuietly = (file: string): Promise<boolean> =>
  unlink(file).then(
    () => true,
    () => false,
  );

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as { code?: string }).code === "EPERM";
  }
}

export interface SaverOptions {
  path: string;
  /** The text to write, taken when the write starts (so it is as fresh as possible). */
  snapshot: () => string;
  /** Called once when saving starts failing, and once when it works again. */
  onProblem: (priority: Priority, message: string) => void;
  /** How long after a change the write starts; later changes within it ride along. */
  debounceMs?: number;
  /** Default: the event loop's timers. */
  scheduler?: Scheduler;
}

/** Writes the host table after changes: at most one write in flight, never from the message path. */
export class StateSaver {
  private path: string;
  private timer: Timer | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private failing = false;
  private readonly debounceMs: number;
  private readonly scheduler: Scheduler;
  /** Writes done since start (tests and the monitor read it). */
  saves = 0;

  constructor(private readonly options: SaverOptions) {
    this.path = options.path;
    this.debounceMs = options.debounceMs ?? 250;
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  /** A change happened: save a little later. Cheap; safe to call on every change. */
  schedule(): void {
    this.dirty = true;
    if (this.timer !== undefined || this.writing !== undefined) return;
    this.timer = this.scheduler.after(this.debounceMs, () => {
      this.timer = undefined;
      this.writing ??= this.drain();
    });
  }

  /** Save to another file from now on (StateFile changed on RESTART). */
  retarget(path: string): void {
    if (path === this.path) return;
    this.path = path;
    this.schedule();
  }

  /** Write now (shutdown), waiting for any write in flight first. */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.dirty = true;
    while (this.writing !== undefined) await this.writing;
    this.writing = this.drain();
    await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.write(this.path, this.options.snapshot());
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(path: string, text: string): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileReplacing(path, text, 0o644);
      this.saves++;
      if (this.failing) {
        this.failing = false;
        this.options.onProblem("notice", `host table state file ${path} is writable again`);
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.options.onProblem(
          "error",
          `cannot save the host table to ${path}: ${describeFsError(error)}; routing continues, routes will not survive a restart`,
        );
      }
    }
  }
}
