// What the server knows about its own traffic, for operators: transport
// totals, PING round trips, commands in flight and their latencies, stale
// clients, and the monitor subscriptions. The routing core calls it at a few
// points per message; each call is a few field updates unless a monitor is
// watching (then the message is also copied to it, after routing).
import type { ServerConfig } from "../config/server-config.ts";
import { bodyInfo, isFinal, isProgress, isRequest } from "../protocol/body-kind.ts";
import { COMMAND_ENDED, COMMAND_EVICTED } from "../protocol/log-grammar.ts";
import { firstWord } from "../protocol/words.ts";
import type { Endpoint, UdpEndpoint } from "../shared/endpoint.ts";
import type { HostEntry, HostTable } from "./host-table.ts";
import { InFlight, isLate } from "./in-flight.ts";
import { LatencyBook, millisText } from "./latency.ts";
import { RoundTrips, StaleWatch } from "./liveness.ts";
import { MAX_MONITORS, MonitorHub } from "./monitor-hub.ts";
import { inFlightReport, livenessReport, monitorsReport, type Report, type StatsFacts, statsReport } from "./observe-report.ts";
import { allPages, REPLY_BUDGET } from "./paged-reply.ts";
import type { IntakeLosses, LogHealth, Outbox } from "./ports.ts";

export interface ObserverDeps {
  clock(): number;
  config(): ServerConfig;
  hosts: HostTable;
  /** The core's own counters (received, routed, ...), reported first by STATS. */
  counters: object;
  /** The real outbox; the observer hands the core a counting one in front of it. */
  outbox: Outbox;
  log(text: string, at?: number): void;
  /** Send `ID>AL body` to every client (stale announcements). */
  broadcast(body: string): void;
  /** PING every client in the host table (LIVENESS PING). */
  pingClients(): void;
  /** The runtime log's losses, reported by STATS beside the core's counters. */
  logHealth(): LogHealth;
  /** Datagrams dropped before the core saw them, reported by STATS beside the core's losses. */
  intakeLosses(): IntakeLosses;
  /** A monitor subscription lapsed; `renewedAt` is when it was last renewed. */
  monitorLapsed?(name: string, endpoint: UdpEndpoint, renewedAt: number): void;
  /** When monitor copies go out; default: after the current I/O callback. */
  defer?: (fn: () => void) => void;
  /**
   * What tick() would report or do may have changed before nextDue(): a
   * stale client spoke, a late command got an answer, the first monitor or
   * the first open command came. The server then ticks soon.
   */
  changed?(): void;
}

/** Room left for a snapshot page after `STATUS: MONITOR seq=N WORD `. */
const SNAPSHOT_BUDGET = REPLY_BUDGET - 48;
/** Monitor snapshots go out once a second. */
const SNAPSHOT_MS = 1000;

export class Observer {
  udpIn = 0;
  udpOut = 0;
  serialIn = 0;
  serialOut = 0;
  readonly startedAt: number;
  readonly trips = new RoundTrips();
  readonly inFlight = new InFlight();
  readonly latency = new LatencyBook();
  readonly hub: MonitorHub;
  private readonly staleWatch = new StaleWatch();
  /** Commands late at the last tick: while there are some, an answer or progress may end one. */
  private lateAtTick = 0;

  /** Give this to the core instead of the real outbox: it counts datagrams and notes PINGs. */
  readonly outbox: Outbox = {
    send: (to, text) => {
      if (!this.deps.outbox.send(to, text)) return false;
      if (to.kind === "udp") this.udpOut++;
      else this.serialOut++;
      if (isPing(text)) this.trips.pinged(to, this.deps.clock());
      return true;
    },
  };

  constructor(private readonly deps: ObserverDeps) {
    this.startedAt = deps.clock();
    this.hub = new MonitorHub({
      send: (to, text) => this.outbox.send(to, text),
      serverId: () => deps.config().serverId,
      defer: deps.defer ?? ((fn) => void setImmediate(fn)),
      lapsed: (name, endpoint, renewedAt) => deps.monitorLapsed?.(name, endpoint, renewedAt),
      activated: () => deps.changed?.(),
    });
  }

  /** Any datagram or serial line, before it is parsed. */
  arrived(from: Endpoint): void {
    if (from.kind === "udp") this.udpIn++;
    else this.serialIn++;
  }

  /** A well-formed message arrived (heartbeats included); the sender's entry is already touched. */
  heard(src: string, dest: string, body: string, from: Endpoint, now: number): void {
    if (!this.staleWatch.empty && this.staleWatch.cameBack(src)) this.backFromStale(src);
    const c = body.charCodeAt(0);
    if ((c === 80 || c === 112) && firstWord(body).toUpperCase() === "PONG") this.trips.ponged(src, from, now);
    if (this.hub.active) {
      this.hub.mirror("rx", src, dest, body, now);
    }
  }

  /** Input that is not an IMPv2 message; `line` is what the log got. */
  malformed(line: string): void {
    if (this.hub.active) this.hub.mirror("bad", "", "", line, this.deps.clock());
  }

  /** A message was routed from `src` to the client `target`: pair requests with their answers. */
  routed(src: string, target: HostEntry, body: string, now: number): void {
    target.messagesOut++;
    const info = bodyInfo(body);
    if (info.word === "") return;
    // An answer or progress may end a late command (one check; ticks count them).
    if (this.lateAtTick > 0 && !isRequest(info.kind)) this.deps.changed?.();
    if (isRequest(info.kind)) {
      const timeoutMs = this.deps.config().commandTimeoutSec * 1000;
      const evicted = this.inFlight.request(src, target.name, info.word, info.kind === "EXEC", now, timeoutMs);
      // The first open command: a time at which it will be late is due.
      if (this.inFlight.size === 1) this.deps.changed?.();
      if (evicted) {
        const age = ((now - evicted.sentAt) / 1000).toFixed(3);
        this.deps.log(COMMAND_EVICTED.format({ requester: evicted.requester, target: evicted.target, word: evicted.word, seconds: age }), now);
      }
    } else if (isProgress(info.kind)) {
      this.inFlight.progress(src, target.name, info.word, body, now);
    } else if (isFinal(info.kind)) {
      const done = this.inFlight.finish(src, target.name, info.word, info.kind, now);
      if (!done) return;
      this.latency.record(info.word, done.latencyMs);
      const c = done.command;
      this.deps.log(
        COMMAND_ENDED.format({ requester: c.requester, target: c.target, word: c.word, outcome: done.outcome, ms: millisText(done.latencyMs) }),
        now,
      );
    }
  }

  /** The server itself sent `line` (no terminator) to client `to`, or to AL. */
  sent(to: string, line: string): void {
    const entry = this.deps.hosts.get(to);
    if (entry) entry.messagesOut++;
    if (this.hub.active) {
      this.hub.mirror("tx", this.deps.config().serverId, to, line.slice(line.indexOf(" ") + 1), this.deps.clock());
    }
  }

  /**
   * The server calls this at nextDue() (and soon after changed()): clients
   * that went stale (announced with AnnounceStale), the late commands
   * counted, and with monitors subscribed their snapshots. No timer runs
   * for it with nothing due: an idle server is not woken.
   */
  tick(): void {
    const now = this.deps.clock();
    const config = this.deps.config();
    this.checkStale(now, config.staleAfterSec * 1000, config.announceStale);
    const timeoutMs = config.commandTimeoutSec * 1000;
    this.lateAtTick = timeoutMs > 0 ? this.inFlight.list().filter((c) => isLate(c, now, timeoutMs)).length : 0;
    if (!this.hub.active) return;
    this.hub.prune(now);
    if (!this.hub.active) return;
    const pages = (word: string, r: Report) => allPages(r.head, r.items, SNAPSHOT_BUDGET).map((p) => `${word} ${p}`);
    this.hub.publish([...pages("LIVENESS", this.liveness()), ...pages("INFLIGHT", this.openCommands()), ...pages("STATS", this.stats())], now);
  }

  liveness(): Report {
    return livenessReport(this.deps.hosts.entries(), this.deps.clock(), this.deps.config().staleAfterSec * 1000, (name) => this.trips.rtt(name));
  }

  openCommands(): Report {
    return inFlightReport(this.inFlight.list(), this.deps.clock(), this.deps.config().commandTimeoutSec * 1000, this.inFlight.evicted);
  }

  stats(): Report {
    return statsReport(this.statsFacts());
  }

  /** What STATS reports, as numbers (the MetricsFile writes the same facts). */
  statsFacts(): StatsFacts {
    const now = this.deps.clock();
    const timeoutMs = this.deps.config().commandTimeoutSec * 1000;
    const late = this.inFlight.list().filter((c) => isLate(c, now, timeoutMs)).length;
    const log = this.deps.logHealth();
    const intake = this.deps.intakeLosses();
    const counters: Record<string, number> = {
      ...(this.deps.counters as Record<string, number>),
      flooded: intake.flooded,
      kernelDropped: intake.kernelDropped,
      udpIn: this.udpIn,
      udpOut: this.udpOut,
      serialIn: this.serialIn,
      serialOut: this.serialOut,
      inFlight: this.inFlight.size,
      late,
      completed: this.inFlight.completed,
      unmatched: this.inFlight.unmatched,
      evicted: this.inFlight.evicted,
      monitors: this.hub.list(now).length,
      mirrored: this.hub.totalMirrored,
      mirrorDropped: this.hub.totalDropped,
      logLost: log.lost,
      logDown: log.down === undefined ? 0 : 1,
    };
    return { uptimeMs: now - this.startedAt, counters, latency: this.latency.summaries() };
  }

  monitors(): Report {
    const now = this.deps.clock();
    return monitorsReport(this.hub.list(now), now, MAX_MONITORS);
  }

  /** LIVENESS PING: fresh round trips come back as the clients answer. */
  pingClients(): number {
    this.deps.pingClients();
    return this.deps.hosts.size;
  }

  /**
   * When tick() next has something to do, in clock ms: the next snapshot
   * while monitors watch, the moment the next client would go stale, the
   * moment the next open command would be late. Undefined: nothing, ever,
   * until changed() says otherwise (or a host table change).
   */
  nextDue(): number | undefined {
    const now = this.deps.clock();
    const config = this.deps.config();
    let due = this.hub.active ? now + SNAPSHOT_MS : Number.POSITIVE_INFINITY;
    const staleAfterMs = config.staleAfterSec * 1000;
    if (staleAfterMs > 0) {
      for (const e of this.deps.hosts.entries()) {
        if (!this.staleWatch.isAnnounced(e.name)) due = Math.min(due, e.lastHeard + staleAfterMs + 1);
      }
    }
    const timeoutMs = config.commandTimeoutSec * 1000;
    if (timeoutMs > 0) {
      for (const c of this.inFlight.list()) if (!isLate(c, now, timeoutMs)) due = Math.min(due, c.lastActivity + timeoutMs + 1);
    }
    return Number.isFinite(due) ? Math.max(due, now) : undefined;
  }

  private checkStale(now: number, staleAfterMs: number, announce: boolean): void {
    const changes = this.staleWatch.check(this.deps.hosts.entries(), now, staleAfterMs);
    if (!announce) return;
    for (const e of changes.stale) {
      this.deps.broadcast(`STATUS: LIVENESS Host=${e.name} State=STALE IdleTime=${((now - e.lastHeard) / 1000).toFixed(3)}`);
    }
    for (const e of changes.back) this.deps.broadcast(`STATUS: LIVENESS Host=${e.name} State=ALIVE`);
  }

  /** A client known stale spoke: announced at once with AnnounceStale, and the server's status changes. */
  private backFromStale(name: string): void {
    if (this.deps.config().announceStale) this.deps.broadcast(`STATUS: LIVENESS Host=${name} State=ALIVE`);
    this.deps.changed?.();
  }
}

/** Exactly `X>Y PING\r`: the handshake, RESTART, UDPPING and routed PINGs. */
const isPing = (text: string): boolean => text.endsWith(" PING\r") && text.indexOf(" ") === text.length - 6;
