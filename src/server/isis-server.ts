// Assembles a running server: config, runtime log, routing core, UDP and
// serial transports, signals, and the systemd notifier. Everything with a
// lifecycle is started and stopped here, nowhere else.
import { hostname, userInfo } from "node:os";
import { formatProblems, loadServerConfig, type ServerConfig } from "../config/server-config.ts";
import type { Endpoint, SerialEndpoint, UdpEndpoint } from "../core/endpoint.ts";
import { IsisCore } from "../core/isis-core.ts";
import { isStale } from "../core/liveness.ts";
import type { CoreEvents, Outbox, RestartResult, SerialPortInfo, ServerControl } from "../core/ports.ts";
import { SystemdNotifier } from "../installer/sd-notify.ts";
import { RuntimeLog } from "../log/runtime-log.ts";
import { wallClock } from "../log/timestamp.ts";
import { escapeControls } from "../protocol/escape.ts";
import { SERIAL_BACKLOG, SERIAL_DOWN, SERIAL_JUNK, SERIAL_UP, SERVER_STARTED, SERVER_STOPPING } from "../protocol/log-grammar.ts";
import { SerialPorts } from "../transport/serial/index.ts";
import { UdpTransport } from "../transport/udp.ts";
import { VERSION } from "../version.ts";
import type { Journal } from "./journal.ts";
import { MetricsFile } from "./metrics-file.ts";
import type { MetricsFacts } from "./metrics-text.ts";
import { OwnAddresses } from "./own-addresses.ts";
import { Resilience } from "./resilience.ts";

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
}

export type StartResult = { readonly ok: true; readonly server: IsisServer } | { readonly ok: false; readonly reason: string };

export class IsisServer implements ServerControl, Outbox {
  readonly core: IsisCore;
  readonly log: RuntimeLog;
  readonly rcFile: string;
  readonly cli: boolean;
  /** State file, preset re-PINGs, flood guard. */
  readonly resilience: Resilience;
  private udp: UdpTransport | undefined;
  private readonly ownAddresses = new OwnAddresses();
  /** The bound port once bound; before (restoring the state file), the configured one. A plain field: it is read for every datagram. */
  private ownPort: number;
  private readonly serial: SerialPorts;
  /** One endpoint object per serial port, so a line in allocates none. */
  private readonly serialEndpoints: readonly SerialEndpoint[];
  /** Present under systemd (Type=notify): READY, WATCHDOG and STOPPING go to it. */
  private readonly notifier = SystemdNotifier.fromEnv();
  private watchdogTimer: ReturnType<typeof setInterval> | undefined;
  /** Once a second: stale announcements (AnnounceStale) and monitor snapshots; a no-op otherwise. */
  private observeTimer: ReturnType<typeof setInterval> | undefined;
  /** Present with MetricsFile. */
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

  private constructor(options: ServerOptions) {
    const { config } = options;
    this.rcFile = options.rcFile;
    this.cli = options.cli;
    this.configPath = options.configPath;
    this.ownPort = config.serverPort;
    this.journal = options.journal;
    this.onConsole = options.onConsole ?? (() => {});
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
    };
    this.serialEndpoints = config.ttyPorts.map((device, index) => ({ kind: "serial", index, device }));
    this.serial = new SerialPorts(config.ttyPorts, {
      line: (index, text) => this.core.receive(text, this.serialEndpoints[index] as SerialEndpoint),
      junk: (index, reason) => this.log.write(SERIAL_JUNK.format({ index, device: config.ttyPorts[index] ?? "?", reason })),
      state: (index, up, reason) => this.serialStateChanged(index, up, reason),
      backlog: (index, priority, message) => {
        const line = SERIAL_BACKLOG.format({ index, device: config.ttyPorts[index] ?? "?", detail: message });
        this.journal(priority, line);
        this.log.write(line);
      },
    });
    this.core = new IsisCore({
      config,
      outbox: this,
      events,
      control: this,
      clock: wallClock,
      exeName: process.execPath,
      userId: process.env.USER ?? safeUserName(),
    });
    this.resilience = new Resilience({ core: this.core, journal: this.journal, log: events.log, env: process.env });
  }

  /** Bind the UDP port and start serving. A bind failure is a reason, not an exception. */
  static async start(options: ServerOptions): Promise<StartResult> {
    const server = new IsisServer(options);
    const { config } = options;
    // Unlike the old server, a port that cannot be opened does not stop us:
    // it is reported, shown as down, and retried while everyone else is served.
    await server.serial.start();
    // Saved routes are back before the first datagram can arrive.
    await server.resilience.restore();
    const guard = server.resilience.guard;
    // ISIS_BATCHED_UDP=off keeps UDP I/O to Bun's API: a way back, should the batched path misbehave.
    const batched = process.env.ISIS_BATCHED_UDP !== "off";
    const core = server.core;
    const bound = await UdpTransport.bind(
      config.serverPort,
      {
        received: (text, from) => {
          if (guard.active && !guard.admit(from.address, from.port)) return;
          core.receive(text, from);
        },
        notSent: (to, text, reason) => core.notSent(to, text, reason),
        unreachable: (to, reason, payload) => core.unreachable(to, reason, payload),
      },
      { batched },
    );
    if (!bound.ok) {
      await server.serial.close();
      return { ok: false, reason: bound.reason };
    }
    server.udp = bound.transport;
    server.ownPort = bound.transport.port;
    if (!bound.transport.batched) {
      // Asked for (ISIS_BATCHED_UDP=off) it is news; otherwise something on this host stopped the faster path.
      if (batched) server.journal("warning", `UDP datagrams go through Bun's API one by one: ${bound.transport.batchProblem}`);
      else server.journal("notice", "UDP datagrams go through Bun's API one by one: ISIS_BATCHED_UDP=off");
    }
    server.journal("notice", `server started as host ${config.serverId} on port ${bound.transport.port}`);
    server.log.write(SERVER_STARTED.format({ id: config.serverId, port: bound.transport.port, version: VERSION, rcFile: options.rcFile }));
    server.core.checkPresets();
    if (config.handshake) {
      server.journal("info", "cold start initiated");
      server.core.handshake();
      server.journal("info", "cold start done");
    }
    server.resilience.started(bound.transport.port);
    server.serialStarted = true;
    server.startNotifying();
    server.followMetricsFile(config);
    server.observeTimer = setInterval(() => server.core.observer.tick(), 1000);
    server.observeTimer.unref();
    return { ok: true, server };
  }

  /**
   * Tell systemd we are serving, then keep the watchdog fed from the event
   * loop itself: if routing hangs, the pings stop and systemd restarts us.
   */
  private startNotifying(): void {
    const notifier = this.notifier;
    if (!notifier) return;
    notifier.ready(`serving as ${this.core.config.serverId} on UDP port ${this.port}`);
    const interval = notifier.watchdogIntervalMs;
    if (interval !== undefined) {
      this.watchdogTimer = setInterval(() => notifier.watchdog(), interval);
      this.watchdogTimer.unref();
    }
  }

  private serialStarted = false;

  private serialStateChanged(index: number, up: boolean, reason: string): void {
    const device = this.core.config.ttyPorts[index] ?? this.serialEndpoints[index]?.device;
    const line = (up ? SERIAL_UP : SERIAL_DOWN).format({ index, device: device ?? "?", reason });
    this.journal(up ? "notice" : "warning", line);
    this.log.write(line);
    // A port that comes back (adapter plugged in again) is PINGed so its
    // client answers and is found again, as at a cold start.
    if (up && this.serialStarted && this.core.handshaking) {
      this.serial.write(index, `${this.core.config.serverId}>AL PING\r`);
    }
  }

  get port(): number {
    return this.udp?.port ?? 0;
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

  /** Start, move or end the MetricsFile as the configuration says (start and RESTART). */
  private followMetricsFile(config: ServerConfig): void {
    const path = config.metricsFile;
    const intervalMs = config.metricsEverySec * 1000;
    if (path === undefined) {
      void this.metrics?.stop();
      this.metrics = undefined;
      return;
    }
    if (this.metrics) return this.metrics.retarget(path, intervalMs);
    this.metrics = new MetricsFile({ path, intervalMs, facts: (up) => this.metricsFacts(up), journal: this.journal });
    this.metrics.start();
  }

  // --- Outbox -------------------------------------------------------------

  send(to: Endpoint, text: string): boolean {
    if (to.kind === "udp") {
      this.udp?.send(to, text);
      return true;
    }
    return this.serial.write(to.index, text);
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

  logHealth(): { lost: number; down: boolean } {
    return { lost: this.log.dropped, down: this.log.down };
  }

  setLogging(on: boolean): void {
    this.log.setEnabled(on);
  }

  serialPorts(): readonly SerialPortInfo[] {
    return this.serialEndpoints.map((e) => ({ device: e.device, up: this.serial.isUp(e.index) }));
  }

  flushSerial(index: number): boolean {
    if (!this.serial.isUp(index)) return false;
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
      this.notifier?.stopping();
      clearInterval(this.watchdogTimer);
      clearInterval(this.observeTimer);
      this.log.write(SERVER_STOPPING.format({ reason }));
      this.udp?.close();
      await this.metrics?.stop();
      await this.resilience.stop();
      await this.serial.close();
      await this.log.close();
      this.notifier?.close();
      this.resolveStopped();
    })();
    return this.stopping;
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
