// What keeps a running server whole across restarts and floods (issue 8):
// the host table saved to and restored from the state file, known clients
// and silent preset ports PINGed until they answer, and the flood guard armed
// by the kernel's drop counter. IsisServer calls in at start, on RESTART and
// at shutdown; the message path only sees `guard.active`.
import type { ServerConfig } from "../config/server-config.ts";
import type { IsisCore } from "../core/isis-core.ts";
import { KERNEL_DROPPED } from "../protocol/log-grammar.ts";
import type { Priority } from "../shared/priority.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";
import { FloodGuard } from "../transport/flood-guard.ts";
import { readUdpDrops } from "../transport/udp-drops.ts";
import type { Journal } from "./journal.ts";
import { PresetPinger } from "./preset-pinger.ts";
import { encodeState, ownerProblem, readState, removeStaleTemps, restoreHosts, type SavedHost, StateSaver, stateFilePath } from "./state-file.ts";

export interface ResilienceOptions {
  core: IsisCore;
  /** Operator notices (journal). */
  journal: Journal;
  /** Runtime log entries. */
  log: (text: string) => void;
  /** systemd's StateDirectory (the first, if several): where the state file goes by default. */
  stateDirectory: string | undefined;
  /** How often the kernel's drop counter is read while datagrams arrive (Bun's API path). Default 100 ms (a read costs ~60 µs). */
  sampleMs?: number;
  /** Timers of the sampler, the flood guard, the preset pinger and the state file. Default: the event loop's. */
  scheduler?: Scheduler;
  /** The kernel's drop counter for our port (undefined: none to be had). Default: /proc/net/udp. */
  readDrops?: (port: number) => Promise<number | undefined>;
  /** Ask the socket for its drop count now (it calls kernelDropped() if there are new ones); before an overload is called over, and at stop. */
  refreshDrops?: () => void;
}

/** Samples without a datagram after which the drop counter is no longer read. */
const QUIET_SAMPLES = 10;
/** An overload is over when no new kernel drops were learnt for this long (the flood guard's hold). */
const OVERLOAD_QUIET_MS = 3000;

export class Resilience {
  readonly guard: FloodGuard;
  private saver: StateSaver | undefined;
  private readonly pinger: PresetPinger;
  private sampler: Timer | undefined;
  /** The drop counter can be read (/proc): the sampler may run. */
  private dropsReadable = false;
  /** Datagrams the kernel dropped in front of the socket since it was bound, as far as the server learnt (STATS kernelDropped). */
  kernelDrops = 0;
  /** The overload being counted: the drops before it, when it began and when drops were last learnt; its cost is logged at its end. */
  private overload: { readonly from: number; readonly since: number; lastAt: number; timer: Timer } | undefined;
  /**
   * True when drops are learnt by reading /proc/net/udp (Bun's API path):
   * the message path then calls arrived() for each datagram, so the counter
   * is read only while datagrams arrive. False when the socket itself says
   * (batched reads with SO_RXQ_OVFL): kernelDropped() is called instead.
   */
  pollsDrops = false;
  /** Datagrams seen by arrived(), and their count at the last sample. */
  private arrivals = 0;
  private arrivalsAtSample = 0;
  private quietSamples = 0;
  private dropPort = 0;
  /** The bound UDP port, once serving: the state file records it. */
  private port: number | undefined;
  private stopped = false;
  private readonly scheduler: Scheduler;
  private readonly readDrops: (port: number) => Promise<number | undefined>;

  constructor(private readonly options: ResilienceOptions) {
    const { core } = options;
    const scheduler = options.scheduler ?? systemScheduler;
    this.scheduler = scheduler;
    this.readDrops = options.readDrops ?? readUdpDrops;
    this.guard = new FloodGuard({
      rate: core.config.floodRate,
      burst: core.config.floodBurst,
      report: (priority, text) => this.say(priority, text),
      scheduler,
    });
    this.pinger = new PresetPinger({
      ping: (host, port) => core.pingAddress(host, port),
      answered: (host, port) => core.hosts.entries().some((e) => e.endpoint.kind === "udp" && e.endpoint.port === port && e.endpoint.address === host),
      log: options.log,
      scheduler,
    });
  }

  /**
   * Before the first datagram is read: put the saved clients back (read by
   * readSavedHosts before the port was bound), and save after every change
   * from now on (hostsChanged).
   */
  restore(saved: SavedHosts): void {
    const { core, journal } = this.options;
    if (saved.path === undefined) return;
    this.saver = new StateSaver({
      path: saved.path,
      // The known dead and monitors (they subscribe again) are not worth bringing back.
      snapshot: () => encodeState(core.config.serverId, this.port ?? core.config.serverPort, core.savableEntries(), core.now()),
      onProblem: journal,
      scheduler: this.scheduler,
    });
    if (saved.hosts === undefined) return;
    const { restored, skipped } = restoreHosts(core.hosts, saved.hosts, core.config, (e) => core.control.isOwnEndpoint(e));
    const also = skipped.length > 0 ? `; skipped ${skipped.join(" ")}` : "";
    journal("info", `restored ${restored} clients from ${saved.path}${also}`);
  }

  /** A client was added, moved or removed: the state file is written a moment later. */
  hostsChanged(): void {
    this.saver?.schedule();
  }

  /**
   * Serving: PING the restored clients and follow silent presets (unless
   * NoHandshaking); watch for overload, from the socket's own drop count
   * when `dropsFromSocket`, else from /proc while traffic flows.
   */
  started(port: number, dropsFromSocket = false): void {
    const { core } = this.options;
    this.port = port;
    if (core.handshaking) {
      core.pingKnownClients();
      this.pinger.start(core.config.presetPorts);
    }
    if (dropsFromSocket) return;
    this.pollsDrops = true;
    this.watchDrops(port);
  }

  /**
   * The socket's count of datagrams the kernel dropped in front of it since
   * it was bound (from the datagrams read in batches, or /proc): new drops
   * mean the server is overloaded. The log says what the overload cost once
   * it is over (or at stop), so no drop goes unsaid.
   */
  kernelDropped(total: number): void {
    if (total <= this.kernelDrops) return;
    const now = this.scheduler.now();
    if (this.overload) this.overload.lastAt = now;
    else {
      const timer = this.scheduler.after(OVERLOAD_QUIET_MS, () => this.overloadCheck());
      this.overload = { from: this.kernelDrops, since: now, lastAt: now, timer };
    }
    this.kernelDrops = total;
    this.guard.overloaded();
  }

  private overloadCheck(): void {
    // Drops after the last datagram read count too: the overload is not over while they grow.
    this.options.refreshDrops?.();
    const o = this.overload;
    if (!o) return;
    const quietMs = this.scheduler.now() - o.lastAt;
    if (quietMs < OVERLOAD_QUIET_MS) o.timer = this.scheduler.after(OVERLOAD_QUIET_MS - quietMs, () => this.overloadCheck());
    else this.overloadEnded();
  }

  private overloadEnded(): void {
    const o = this.overload;
    if (!o) return;
    o.timer.cancel();
    this.overload = undefined;
    this.say("warning", KERNEL_DROPPED.format({ count: this.kernelDrops - o.from, seconds: ((o.lastAt - o.since) / 1000).toFixed(1) }));
  }

  /** A line for the operator and for the runtime log alike. */
  private say(priority: Priority, text: string): void {
    this.options.journal(priority, text);
    this.options.log(text);
  }

  /** A datagram arrived, with pollsDrops: sample the drop counter while they keep coming. */
  arrived(): void {
    this.arrivals++;
    if (this.sampler === undefined && this.dropsReadable && !this.stopped) this.startSampler();
  }

  /** A new configuration was taken (RESTART, SIGHUP). */
  reconfigured(config: ServerConfig): void {
    this.guard.setLimit(config.floodRate, config.floodBurst);
    if (config.handshake) this.pinger.start(config.presetPorts);
    else this.pinger.stop();
    const path = stateFilePath(config, this.options.stateDirectory);
    if (path && this.saver) this.saver.retarget(path);
  }

  async stop(): Promise<void> {
    this.options.refreshDrops?.();
    this.stopped = true;
    this.sampler?.cancel();
    this.pinger.stop();
    this.overloadEnded();
    this.guard.close();
    // The freshest lastHeard times, for IdleTime after the next start.
    await this.saver?.flush();
  }

  private watchDrops(port: number): void {
    void this.readDrops(port).then((drops) => {
      if (this.stopped) return;
      if (drops === undefined) {
        // No overload signal to be had: keep the buckets all the time instead.
        this.guard.armPermanently();
        return;
      }
      this.dropsReadable = true;
      this.dropPort = port;
      this.kernelDropped(drops);
      if (this.arrivals > 0) this.startSampler();
    });
  }

  private startSampler(): void {
    const sampleMs = this.options.sampleMs ?? 100;
    this.arrivalsAtSample = this.arrivals;
    this.quietSamples = 0;
    this.sampler = this.scheduler.every(sampleMs, () => void this.sample());
  }

  /** Ten samples (a second) without a datagram: nothing can be dropped now; the next datagram starts sampling again. */
  private async sample(): Promise<void> {
    const quiet = this.arrivals === this.arrivalsAtSample;
    this.arrivalsAtSample = this.arrivals;
    this.quietSamples = quiet ? this.quietSamples + 1 : 0;
    const drops = await this.readDrops(this.dropPort);
    if (drops !== undefined && !this.stopped) this.kernelDropped(drops);
    if (this.quietSamples >= QUIET_SAMPLES && this.sampler) {
      this.sampler.cancel();
      this.sampler = undefined;
    }
  }
}

/** The host table as the state file had it, read before the port is bound; `path` undefined: no state file (StateFile off). */
export interface SavedHosts {
  readonly path: string | undefined;
  /** undefined: nothing to restore (missing, unreadable, another server's). */
  readonly hosts: readonly SavedHost[] | undefined;
}

/**
 * Read the state file, as any small file is read (a FIFO or a hung mount
 * cannot hold up the start for long); remove the temporary files a killed
 * server left beside it. What cannot be used is said, never fatal.
 */
export async function readSavedHosts(config: ServerConfig, stateDirectory: string | undefined, journal: Journal): Promise<SavedHosts> {
  const path = stateFilePath(config, stateDirectory);
  if (!path) return { path, hosts: undefined };
  const state = await readState(path);
  // Only once the directory has answered: a hung one has cost the start enough already.
  if (state.ok || state.missing) {
    const removed = await removeStaleTemps(path);
    if (removed.length > 0) journal("notice", `removed ${removed.length} temporary file(s) a killed server left beside ${path}: ${removed.join(" ")}`);
  }
  if (!state.ok) {
    if (!state.missing) journal("warning", `host table state file ${path} ignored: ${state.reason}; starting with an empty host table`);
    return { path, hosts: undefined };
  }
  const foreign = ownerProblem(state, config.serverId, config.serverPort);
  if (foreign) {
    // Saving goes on: the file is where this server's config says its table goes.
    journal("warning", `host table state file ${path} not restored: ${foreign}; it will hold this server's table from now on`);
    return { path, hosts: undefined };
  }
  return { path, hosts: state.hosts };
}
