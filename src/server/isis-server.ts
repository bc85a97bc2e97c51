// Assembles a running server: config, runtime log, routing core, UDP and
// serial transports, signals' effects, and the systemd notifier. Everything
// with a lifecycle is started and stopped here, nowhere else. start() does
// the asynchronous part first (the state file read, the port bound), then
// builds the server whole in one constructor: no field waits for a later step.
import { hostname } from "node:os";
import type { BindingInterface } from "@serialport/bindings-interface";
import { formatProblems, loadServerConfig, type ServerConfig } from "../config/server-config.ts";
import { isLate } from "../core/in-flight.ts";
import { IsisCore } from "../core/isis-core.ts";
import { isStale } from "../core/liveness.ts";
import type { CoreEvents, IntakeLosses, LogHealth, Outbox, RestartResult, SerialPortInfo, ServerControl } from "../core/ports.ts";
import { RuntimeLog } from "../log/runtime-log.ts";
import { escapeControls } from "../protocol/escape.ts";
import { SERIAL_BACKLOG, SERIAL_DOWN, SERIAL_JUNK, SERIAL_UP, SERVER_STARTED, SERVER_STOPPING } from "../protocol/log-grammar.ts";
import type { Endpoint, SerialEndpoint, UdpEndpoint } from "../shared/endpoint.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";
import { wallClock } from "../shared/timestamp.ts";
import { VERSION } from "../shared/version.ts";
import type { SerialPorts } from "../transport/serial/index.ts";
import { UdpTransport } from "../transport/udp.ts";
import type { Journal } from "./journal.ts";
import { statusText } from "./live-status.ts";
import { MetricsFile } from "./metrics-file.ts";
import type { MetricsFacts } from "./metrics-text.ts";
import { OwnAddresses } from "./own-addresses.ts";
import { Resilience, readSavedHosts, type SavedHosts } from "./resilience.ts";
import type { SystemdNotifier } from "./sd-notify.ts";
import { SystemdLink } from "./systemd-link.ts";
import { Ticker } from "./ticker.ts";

/** What the server takes from its process and environment: read by `isis server` (commands/server.ts), nowhere else. */
export interface ServerEnvironment {
  /** Under systemd (Type=notify): where READY, WATCHDOG and STOPPING go. */
  readonly notifier: SystemdNotifier | undefined;
  /** systemd's StateDirectory (the first, if several): where the state file goes by default. */
  readonly stateDirectory: string | undefined;
  /** UserID in the VERSION reply. */
  readonly userId: string;
  /** exeName in the VERSION reply. */
  readonly exeName: string;
  /** UDP datagrams in batches where that loads (false: ISIS_BATCHED_UDP=off, Bun's API one by one). */
  readonly batchedUdp: boolean;
  /** Release the pages only starting needed, 15 s after start (false: ISIS_PAGEOUT=off). */
  readonly pageout: boolean;
}

export interface ServerOptions {
  config: ServerConfig;
  /** The config file to reload on RESTART; undefined when running on the embedded default. */
  configPath: string | undefined;
  /** rcFile as reported by STATUS and VERSION. */
  rcFile: string;
  journal: Journal;
  /** The interactive console is running (+CLI). */
  cli: boolean;
  /** Called for messages addressed to the server and verbose traffic (the console prints them). */
  onConsole?: (text: string) => void;
  environment: ServerEnvironment;
}

/** How long after start the pages only starting needed are released: start-up, and Bun's first GC rounds, are over by then. */
const PAGEOUT_AFTER_MS = 15_000;

export type StartResult = { readonly ok: true; readonly server: IsisServer } | { readonly ok: false; readonly reason: string };

interface SerialStack {
  readonly SerialPorts: typeof SerialPorts;
  readonly binding: BindingInterface;
}

async function loadSerialStack(): Promise<SerialStack> {
  const [{ SerialPorts }, { TermiosBinding }] = await Promise.all([import("../transport/serial/index.ts"), import("../transport/serial/binding.ts")]);
  return { SerialPorts, binding: TermiosBinding };
}

/** What start() has ready before the server is built. */
interface Prepared {
  readonly saved: SavedHosts;
  readonly udp: UdpTransport;
  /** The serial stack and its termios binding, loaded only with TTYPort lines: serialport's stream layer costs ~5 MB resident. */
  readonly serial: SerialStack | undefined;
}

export class IsisServer implements ServerControl, Outbox {
  readonly core: IsisCore;
  readonly log: RuntimeLog;
  readonly rcFile: string;
  readonly cli: boolean;
  /** State file, preset re-PINGs, flood guard. */
  readonly resilience: Resilience;
  private readonly udp: UdpTransport;
  private readonly ownAddresses = new OwnAddresses();
  /** The bound port. A plain field: it is read for every datagram. */
  private readonly ownPort: number;
  private readonly serial: SerialPorts | undefined;
  /** One endpoint object per serial port, so a line in allocates none. */
  private readonly serialEndpoints: readonly SerialEndpoint[];
  /** Under systemd: READY, the watchdog, the status line, STOPPING. */
  private readonly systemd: SystemdLink | undefined;
  /** Housekeeping when due (stale clients, late commands, monitor snapshots, the status line); no timer while nothing is. */
  private readonly ticker: Ticker;
  private readonly scheduler: Scheduler = systemScheduler;
  /** The one-shot release of start-up pages, until it has run. */
  private readonly pageout: Timer | undefined;
  /** Present with MetricsFile; RESTART may start, move or end it. */
  private metrics: MetricsFile | undefined;
  private readonly configPath: string | undefined;
  private readonly journal: Journal;
  private readonly onConsole: (text: string) => void;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves once the server has shut down. */
  readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve;
  });

  /** Bind the UDP port and start serving. A bind failure is a reason, not an exception. */
  static async start(options: ServerOptions): Promise<StartResult> {
    const { config, environment } = options;
    // Saved routes are read before the port opens, and back before the first datagram is read.
    const saved = await readSavedHosts(config, environment.stateDirectory, options.journal);
    const serial = config.ttyPorts.length === 0 ? undefined : await loadSerialStack();
    const bound = await UdpTransport.bind(config.serverPort, { batched: environment.batchedUdp });
    if (!bound.ok) return { ok: false, reason: bound.reason };
    const server = new IsisServer(options, { saved, udp: bound.transport, serial });
    // Unlike the old server, a port that cannot be opened does not stop us:
    // it is reported, shown as down, and retried while everyone else is served.
    await server.serial?.start();
    server.serve(options);
    return { ok: true, server };
  }

  private constructor(options: ServerOptions, prepared: Prepared) {
    const { config, environment } = options;
    this.rcFile = options.rcFile;
    this.cli = options.cli;
    this.configPath = options.configPath;
    this.journal = options.journal;
    this.onConsole = options.onConsole ?? (() => {});
    this.udp = prepared.udp;
    this.ownPort = prepared.udp.port;
    this.log = new RuntimeLog({
      root: config.serverLog,
      utc: config.logDateUtc,
      serverId: config.serverId,
      enabled: config.logEnabled,
      onProblem: (priority, message) => this.journal(priority, message),
    });
    const events: CoreEvents = {
      log: (text, at) => this.log.write(text, at),
      notice: (priority, text) => this.journal(priority, text),
      // Client text reaches the console escaped whole: an embedded newline
      // must not print as a line of its own.
      serverMessage: (src, body) => this.onConsole(escapeControls(`${src}> ${body}`)),
      traffic: (text) => this.onConsole(escapeControls(text)),
      wake: () => this.ticker.poke(),
      // Clients added, moved or removed: the state file, the status line and the times things fall due.
      hostsChanged: () => {
        this.resilience.hostsChanged();
        this.ticker.poke();
      },
    };
    this.ticker = new Ticker(this.scheduler, () => this.housekeeping());
    this.systemd = environment.notifier ? new SystemdLink(environment.notifier, this.scheduler) : undefined;
    this.serialEndpoints = config.ttyPorts.map((device, index) => ({ kind: "serial", index, device }));
    this.core = new IsisCore({ config, outbox: this, events, control: this, clock: wallClock, exeName: environment.exeName, userId: environment.userId });
    this.resilience = new Resilience({
      core: this.core,
      journal: this.journal,
      log: events.log,
      stateDirectory: environment.stateDirectory,
      refreshDrops: () => this.udp.refreshDrops(),
    });
    this.resilience.restore(prepared.saved);
    this.serial = prepared.serial && this.serialPortsFor(prepared.serial, config);
    this.metrics = this.metricsFile(config);
    // Once started and settled, the code only starting needed leaves memory (startup-pages.ts).
    this.pageout = environment.pageout
      ? this.scheduler.after(PAGEOUT_AFTER_MS, () => void import("./startup-pages.ts").then((m) => m.releaseStartupPages()))
      : undefined;
  }

  /** The TTYPort devices (a later RESTART cannot add them), not yet opened. */
  private serialPortsFor({ SerialPorts, binding }: SerialStack, config: ServerConfig): SerialPorts {
    return new SerialPorts(
      config.ttyPorts,
      {
        line: (index, text) => this.core.receive(text, this.serialEndpoints[index] as SerialEndpoint),
        junk: (index, reason) => this.log.write(SERIAL_JUNK.format({ index, device: config.ttyPorts[index] ?? "?", reason })),
        state: (index, up, reason, first) => this.serialStateChanged(index, up, reason, first),
        backlog: (index, priority, message) => {
          const line = SERIAL_BACKLOG.format({ index, device: config.ttyPorts[index] ?? "?", detail: message });
          this.journal(priority, line);
          this.log.write(line);
        },
      },
      { binding },
    );
  }

  /**
   * Serving: datagrams are handed to the core from now on; the start lines,
   * the cold-start handshake, then systemd is told and the timers run.
   */
  private serve({ config, environment }: ServerOptions): void {
    const { core, resilience, udp } = this;
    const guard = resilience.guard;
    udp.listen({
      received: (text, from) => {
        // Bun's API path only: the drop counter in /proc is read while datagrams arrive.
        if (resilience.pollsDrops) resilience.arrived();
        if (guard.active && !guard.admit(from.address, from.port)) return;
        core.receive(text, from);
      },
      notSent: (to, text, reason) => core.notSent(to, text, reason),
      unreachable: (to, reason, payload) => core.unreachable(to, reason, payload),
      kernelDropped: (total) => resilience.kernelDropped(total),
    });
    if (!udp.batched) {
      // Asked for (ISIS_BATCHED_UDP=off) it is news; otherwise something on this host stopped the faster path.
      if (environment.batchedUdp) this.journal("warning", `UDP datagrams go through Bun's API one by one: ${udp.batchProblem}`);
      else this.journal("notice", "UDP datagrams go through Bun's API one by one: ISIS_BATCHED_UDP=off");
    }
    this.journal("notice", `server started as host ${config.serverId} on port ${this.ownPort}`);
    this.log.write(SERVER_STARTED.format({ id: config.serverId, port: this.ownPort, version: VERSION, rcFile: this.rcFile }));
    core.checkPresets();
    if (config.handshake) {
      this.journal("info", "cold start initiated");
      core.handshake();
      this.journal("info", "cold start done");
    }
    resilience.started(this.ownPort, udp.dropsSignalled);
    // Tell systemd we are serving; the watchdog is then fed from the event loop itself.
    this.systemd?.ready(this.statusLine());
    this.metrics?.start();
    this.ticker.start();
  }

  /** The line systemd shows: `IS:6600 · 9 clients, 1 stale (M1.RC) · 0 late`, as LIVENESS and INFLIGHT count. */
  private statusLine(): string {
    const core = this.core;
    const now = core.now();
    const staleAfterMs = core.config.staleAfterSec * 1000;
    const timeoutMs = core.config.commandTimeoutSec * 1000;
    const entries = core.hosts.entries();
    return statusText({
      serverId: core.config.serverId,
      port: this.port,
      clients: entries.length,
      stale: entries.filter((e) => isStale(e, now, staleAfterMs)).map((e) => e.name),
      late: core.observer.inFlight.list().filter((c) => isLate(c, now, timeoutMs)).length,
    });
  }

  /** The ticker's work: what is due now, and in how many ms something next will be. */
  private housekeeping(): number | undefined {
    const core = this.core;
    core.observer.tick();
    const observerDue = core.observer.nextDue();
    const observerIn = observerDue === undefined ? undefined : observerDue - core.now();
    const statusAt = this.systemd?.status(this.statusLine());
    const statusIn = statusAt === undefined ? undefined : statusAt - this.scheduler.now();
    if (observerIn === undefined) return statusIn;
    return statusIn === undefined ? observerIn : Math.min(observerIn, statusIn);
  }

  private serialStateChanged(index: number, up: boolean, reason: string, first: boolean): void {
    const device = this.core.config.ttyPorts[index] ?? this.serialEndpoints[index]?.device;
    const line = (up ? SERIAL_UP : SERIAL_DOWN).format({ index, device: device ?? "?", reason });
    this.journal(up ? "notice" : "warning", line);
    this.log.write(line);
    // A port that comes back (adapter plugged in again) is PINGed so its
    // client answers and is found again, as at a cold start (which PINGs
    // the ports up at start: their first report).
    if (up && !first && this.core.handshaking) {
      this.serial?.write(index, `${this.core.config.serverId}>AL PING\r`);
    }
  }

  get port(): number {
    return this.udp.port;
  }

  /** What the MetricsFile holds: STATS's numbers (the same function makes both) and the clients as LIVENESS sees them. */
  metricsFacts(up = true): MetricsFacts {
    const core = this.core;
    const stats = core.observer.statsFacts();
    const now = core.now();
    const staleAfterMs = core.config.staleAfterSec * 1000;
    const clients = core.hosts.entries().map((e) => ({
      name: e.name,
      idleSeconds: Math.max(0, now - e.lastHeard) / 1000,
      messagesIn: e.messagesIn,
      messagesOut: e.messagesOut,
      stale: isStale(e, now, staleAfterMs),
    }));
    return { serverId: core.config.serverId, port: this.port, up, stats, clients };
  }

  /** The MetricsFile the configuration asks for, not yet started. */
  private metricsFile(config: ServerConfig): MetricsFile | undefined {
    const path = config.metricsFile;
    if (path === undefined) return undefined;
    return new MetricsFile({ path, intervalMs: config.metricsEverySec * 1000, facts: (up) => this.metricsFacts(up), journal: this.journal });
  }

  /** RESTART: start, move or end the MetricsFile as the new configuration says. */
  private followMetricsFile(config: ServerConfig): void {
    const path = config.metricsFile;
    if (path === undefined) {
      void this.metrics?.stop();
      this.metrics = undefined;
      return;
    }
    if (this.metrics) return this.metrics.retarget(path, config.metricsEverySec * 1000);
    this.metrics = this.metricsFile(config);
    this.metrics?.start();
  }

  // --- Outbox -------------------------------------------------------------

  send(to: Endpoint, text: string): boolean {
    if (to.kind === "udp") {
      this.udp.send(to, text);
      return true;
    }
    return this.serial?.write(to.index, text) ?? false;
  }

  // --- ServerControl ------------------------------------------------------

  hostAddr(): string {
    return `${hostname()}:${this.port}`;
  }

  isOwnEndpoint(e: UdpEndpoint): boolean {
    return e.port === this.ownPort && this.ownPort !== 0 && this.ownAddresses.has(e.ipv4);
  }

  logFile(): string {
    return this.log.path;
  }

  logging(): boolean {
    return this.log.enabled;
  }

  checkLog(): Promise<void> | undefined {
    if (!this.log.enabled) return undefined;
    // A log on a hung file system must not hold up the answer.
    return Promise.race([this.log.verify(), Bun.sleep(1000)]);
  }

  logHealth(): LogHealth {
    return { lost: this.log.dropped, down: this.log.down };
  }

  intakeLosses(): IntakeLosses {
    // STATS, the metrics and isis check say the kernel's count as it is now, not as of the last batch read.
    this.udp.refreshDrops();
    return { flooded: this.resilience.guard.dropped, kernelDropped: this.resilience.kernelDrops };
  }

  setLogging(on: boolean): void {
    this.log.setEnabled(on);
  }

  serialPorts(): readonly SerialPortInfo[] {
    return this.serialEndpoints.map((e) => ({ device: e.device, up: this.serial?.isUp(e.index) ?? false }));
  }

  flushSerial(index: number): boolean {
    if (!this.serial?.isUp(index)) return false;
    void this.serial.flush(index);
    return true;
  }

  async reloadConfig(): Promise<RestartResult> {
    if (!this.configPath) return { ok: true, config: this.core.config };
    const loaded = await loadServerConfig(this.configPath);
    for (const line of formatProblems(this.configPath, loaded.problems)) this.journal("warning", line);
    if (!loaded.ok) {
      this.journal("error", `restart refused: ${loaded.reason}; running configuration kept`);
      return { ok: false, reason: loaded.reason };
    }
    const next = loaded.config;
    if (next.ttyPorts.join("\n") !== this.serialEndpoints.map((e) => e.device).join("\n")) {
      this.journal("warning", "TTYPort changes take effect at the next start");
    }
    if (next.serverPort !== this.core.config.serverPort) {
      this.journal("warning", `ServerPort ${next.serverPort} takes effect at the next start (still on ${this.port})`);
    }
    this.log.reconfigure(next.serverLog, next.logDateUtc, next.serverId);
    this.log.setEnabled(next.logEnabled);
    this.resilience.reconfigured(next);
    this.followMetricsFile(next);
    // StaleAfter or CommandTimeout may have changed when things fall due.
    this.ticker.poke();
    this.journal("notice", "warm restart");
    return { ok: true, config: next };
  }

  quit(): void {
    void this.stop("executive QUIT");
  }

  /** Stop serving: close transports, flush the log. Idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.journal("notice", `shutdown (${reason})`);
      this.systemd?.stopping();
      this.pageout?.cancel();
      this.ticker.stop();
      this.log.write(SERVER_STOPPING.format({ reason }));
      // The drops the socket knows of are said before it closes.
      this.udp.refreshDrops();
      this.udp.close();
      await this.metrics?.stop();
      await this.resilience.stop();
      await this.serial?.close();
      await this.log.close();
      this.systemd?.close();
      this.resolveStopped();
    })();
    return this.stopping;
  }
}
