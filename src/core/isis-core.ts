// The routing core: given one message and where it came from, it updates the
// host table and hands deliveries to the outbox. It knows nothing of sockets
// or files; the server wires it to transports, the log and the console.

import { describePin } from "../config/access-values.ts";
import type { ServerConfig } from "../config/server-config.ts";
import { isExecutive, isReply } from "../protocol/body-kind.ts";
import {
  CLIENT_ADDED,
  CLIENT_MOVED,
  CLIENT_REMOVED,
  HEARTBEAT,
  MALFORMED,
  NOT_DELIVERED_PORT,
  PRESET_OWN_ADDRESS,
  REFUSED_EXEC,
  REFUSED_PINNED,
  REFUSED_ROUTE,
  SERIAL_CLIENT_ADDED,
  SERVER_RESTART_REFUSED,
  SERVER_RESTARTED,
} from "../protocol/log-grammar.ts";
import { isBroadcast, type ParseFailure, parseMessage, sendableBody } from "../protocol/message.ts";
import { describeEndpoint, type Endpoint, type UdpEndpoint, udpEndpoint } from "../shared/endpoint.ts";
import { execAllowed, mayClaim } from "./access.ts";
import type { CommandContext } from "./command-context.ts";
import { runServerCommand } from "./commands.ts";
import { HostHealth } from "./host-health.ts";
import { type HostEntry, HostTable, Touch } from "./host-table.ts";
import { LoopGuard } from "./loop-guard.ts";
import { Losses } from "./losses.ts";
import { NoticeLimiter } from "./notice-limiter.ts";
import { Observer } from "./observer.ts";
import type { CoreEvents, Outbox, ServerControl } from "./ports.ts";
import { preview } from "./preview.ts";

export interface CoreOptions {
  config: ServerConfig;
  outbox: Outbox;
  events: CoreEvents;
  control: ServerControl;
  /** Wall-clock ms. */
  clock: () => number;
  exeName: string;
  userId: string;
}

/** Counters since start (issue 9 builds on these). */
export interface CoreCounters {
  received: number;
  routed: number;
  broadcast: number;
  replied: number;
  malformed: number;
  oversized: number;
  unknownDestination: number;
  /** Messages and datagrams not delivered, for any reason (the next two, a serial port down or backlogged). */
  dropped: number;
  /** Datagrams the kernel would not send. */
  notSent: number;
  /** Datagrams that came back unreachable (ICMP: a closed port, an unreachable host). */
  unreachable: number;
  /** Messages refused by a Pin or by ExecAllow. */
  refused: number;
  /** Datagrams refused for a control byte inside them (a line break that would forge a second line); not in `malformed`. */
  controlBytes: number;
  /** Loops cut: messages to or from the server's own socket or in its own name, serial echoes. */
  loops: number;
  /** Dead clients whose slot went to a new one (the table was full). */
  hostsEvicted: number;
}

export class IsisCore {
  readonly hosts: HostTable;
  readonly control: ServerControl;
  /** Liveness, commands in flight, latencies, monitors (issue 9). */
  readonly observer: Observer;
  readonly counters: CoreCounters = {
    received: 0,
    routed: 0,
    broadcast: 0,
    replied: 0,
    malformed: 0,
    oversized: 0,
    unknownDestination: 0,
    dropped: 0,
    notSent: 0,
    unreachable: 0,
    refused: 0,
    controlBytes: 0,
    loops: 0,
    hostsEvicted: 0,
  };
  config: ServerConfig;
  verbose: boolean;
  handshaking: boolean;
  private readonly outbox: Outbox;
  private readonly events: CoreEvents;
  private readonly clock: () => number;
  private readonly notices: NoticeLimiter;
  private readonly loops: LoopGuard;
  private readonly losses: Losses;
  private readonly health: HostHealth;
  private restarting: Promise<string> | undefined;
  /** What server commands see: views of the core's parts, not the core. */
  private readonly commands: CommandContext;

  constructor(options: CoreOptions) {
    this.config = options.config;
    this.hosts = new HostTable(() => this.events.hostsChanged?.());
    this.observer = new Observer({
      clock: options.clock,
      config: () => this.config,
      hosts: this.hosts,
      counters: this.counters,
      outbox: options.outbox,
      log: (text, at) => this.events.log(text, at),
      broadcast: (body) => this.broadcastFromServer(body),
      pingClients: () => this.pingKnownClients(),
      logHealth: () => this.control.logHealth(),
      intakeLosses: () => this.control.intakeLosses(),
      changed: () => this.events.wake?.(),
      monitorLapsed: (name, endpoint, renewedAt) => this.health.monitorLapsed(name, endpoint, renewedAt),
    });
    this.events = options.events;
    this.control = options.control;
    this.clock = options.clock;
    this.notices = new NoticeLimiter(options.clock);
    const serverId = () => this.config.serverId;
    this.loops = new LoopGuard({ control: this.control, hosts: this.hosts, counters: this.counters, events: this.events, clock: this.clock, serverId });
    this.losses = new Losses({
      hosts: this.hosts,
      counters: this.counters,
      events: this.events,
      clock: this.clock,
      inFlight: this.observer.inFlight,
      serverId,
      reply: (to, endpoint, body) => void this.reply(to, endpoint, body),
    });
    // Every datagram goes out through the loop guard, then the observer, which counts it.
    const counted = this.observer.outbox;
    this.outbox = { send: (to, text) => this.loops.mayGo(to, text) && counted.send(to, text) };
    this.health = new HostHealth({ hosts: this.hosts, counters: this.counters, events: this.events, outbox: this.outbox, serverId });
    this.verbose = options.config.verbose;
    this.handshaking = options.config.handshake;
    this.commands = this.commandContext(options.exeName, options.userId);
  }

  private commandContext(exeName: string, userId: string): CommandContext {
    const core = this;
    return {
      get config() {
        return core.config;
      },
      get verbose() {
        return core.verbose;
      },
      get handshaking() {
        return core.handshaking;
      },
      exeName,
      userId,
      hosts: this.hosts,
      control: this.control,
      observer: this.observer,
      now: this.clock,
      pingAddress: (address, port) => this.pingAddress(address, port),
      forget: (name, why) => this.forget(name, why),
      handshake: () => this.handshake(),
      restart: () => this.restart(),
    };
  }

  now(): number {
    return this.clock();
  }

  /** One datagram or serial line, decoded latin1 (one char per byte). */
  receive(raw: string, from: Endpoint): void {
    this.counters.received++;
    this.observer.arrived(from);
    // Loops are cut before anything else, so they touch neither the host table nor anyone's route.
    if (this.loops.cutArriving(raw, from)) return;
    const parsed = parseMessage(raw);
    if (!parsed.ok) return this.malformed(raw, from, parsed.reason, parsed.failure);
    const { src, dest, body, line: text, wire } = parsed.message;
    // One clock read per message: the loop guard, the host table, the log and the in-flight table share it.
    const now = this.clock();
    if (this.loops.cutMessage(src, dest, raw, from) || this.loops.cutReturned(src, wire, from, now)) return;
    // A pinned name spoken from elsewhere must not move its route (one Map lookup).
    if (!mayClaim(this.config.pins, src, from)) return this.refusePinned(src, from, raw, body);

    let touched = this.hosts.touch(src, from, now);
    if (touched === Touch.Full && this.health.evictFor(src, from, now)) touched = this.hosts.touch(src, from, now);
    // The runtime log reads in the order things happened: the message first,
    // then what it changed, stamped with its arrival; then what the server did.
    this.events.log(body === "" ? HEARTBEAT.format({ name: src, address: describeEndpoint(from) }) : text, now);
    if (touched === Touch.Added) this.announce(src, from, now);
    else if (touched === Touch.Moved) this.events.log(CLIENT_MOVED.format({ name: src, address: describeEndpoint(from) }), now);
    this.observer.heard(src, dest, body, from, now);
    if (touched === Touch.Full) {
      this.health.probeSilent(now);
      // Never an error for a reply: two servers would answer each other's errors forever.
      if (!isReply(body)) this.reply(src, from, "ERROR: Server Host Table Full, Cannot Service Request");
      return;
    }
    const entry = this.hosts.touched as HostEntry;
    if (entry.unreachableSince !== undefined) this.losses.heardAgain(entry, now);
    if (body === "") return;
    if (this.verbose) this.events.traffic(text);

    // Executive requests (to the server or through it) only from ExecAllow networks,
    // however they are spelt (isExecutive reads them as the agents do).
    const execAllow = this.config.execAllow;
    if (execAllow !== undefined && !execAllowed(from, execAllow) && isExecutive(body)) {
      return this.refuseExec(src, from, body);
    }
    if (dest === this.config.serverId) return this.serverCommand(src, from, body, touched === Touch.Added);
    if (isBroadcast(dest)) {
      this.serverCommand(src, from, body, touched === Touch.Added);
      this.counters.broadcast++;
      const fanned = `${src}>AL ${body}\r`;
      this.loops.routed(undefined, fanned, now);
      this.fanOut(fanned, from);
      return;
    }
    const target = this.hosts.get(dest);
    if (!target) {
      this.counters.unknownDestination++;
      if (!isReply(body)) this.reply(src, from, `ERROR: No Route to Destination Host ${dest} - host is unknown/unlisted`);
      return;
    }
    if (this.outbox.send(target.endpoint, wire)) {
      this.loops.routed(target.endpoint, wire, now);
      this.counters.routed++;
      this.observer.routed(src, target, body, now);
      return;
    }
    this.counters.dropped++;
    const e = target.endpoint;
    const state = this.refusal(e);
    this.events.log(NOT_DELIVERED_PORT.format({ address: describeEndpoint(e), name: dest, state, text: preview(wire) }), now);
    if (!isReply(body)) this.reply(src, from, `ERROR: Cannot route to ${dest} - ${describeEndpoint(e)} ${state}`);
  }

  /**
   * Why the outbox would not take a line: a serial port that is up refuses
   * only when its output backlog is full (a slow or stuck line); a UDP
   * address only when it is the server's own socket (the loop guard).
   */
  private refusal(e: Endpoint): string {
    if (e.kind === "udp") return "is this server's own socket";
    return this.control.serialPorts()[e.index]?.up ? "is backlogged, output queue full" : "is down";
  }

  /** The UDP transport could not send a datagram, even after retries (see Losses). */
  notSent(to: UdpEndpoint, text: string, reason: string): void {
    this.losses.notSent(to, text, reason);
  }

  /** An ICMP error came back for a datagram sent to `to`, if the report said where (see Losses). */
  unreachable(to: UdpEndpoint | undefined, reason: string, payload: string): void {
    this.losses.unreachable(to, reason, payload);
  }

  /** Send a message from the server to every serial port and every UDP client (e.g. shutdown STATUS:). */
  broadcastFromServer(body: string): void {
    const header = `${this.config.serverId}>AL `;
    const line = header + sendableBody(header.length, body);
    this.observer.sent("AL", line);
    this.events.log(line);
    this.fanOut(`${line}\r`, undefined);
  }

  /** Send `IS>NAME body` to a client by name; false if it is unknown or unreachable. */
  sendTo(name: string, body: string): boolean {
    const entry = this.hosts.get(name.toUpperCase());
    if (!entry) return false;
    return this.reply(entry.name, entry.endpoint, body);
  }

  /**
   * A server command typed at the console: the node's request to itself
   * (IMPv2 §6), logged like any message so the runtime log shows who
   * restarted or reconfigured the server, and what it answered.
   */
  async consoleCommand(request: string): Promise<string | undefined> {
    const self = `${this.config.serverId}>${this.config.serverId}`;
    this.events.log(`${self} ${request}`);
    const reply = await runServerCommand(this.commands, request);
    if (reply !== undefined) this.events.log(`${self} ${reply}`);
    return reply;
  }

  /** PING one UDP address (UDPPING, preset retries); never the server's own socket (false). */
  pingAddress(address: string, port: number): boolean {
    const to = udpEndpoint(address, port);
    if (this.control.isOwnEndpoint(to)) return false;
    return this.outbox.send(to, `${this.config.serverId}>AL PING\r`);
  }

  /** The cold-start and HANDSHAKE PING: every serial port and every preset UDP port (not one of its own). */
  handshake(): void {
    const ping = `${this.config.serverId}>AL PING\r`;
    this.control.serialPorts().forEach((port, index) => {
      if (port.up) this.outbox.send({ kind: "serial", index, device: port.device }, ping);
    });
    for (const preset of this.config.presetPorts) this.pingAddress(preset.host, preset.port);
  }

  /**
   * Warn about every UDPPort that names the server's own address and port
   * (it would PING itself): at start and after each reload. They are never PINGed.
   */
  checkPresets(): void {
    for (const preset of this.config.presetPorts) {
      if (!this.control.isOwnEndpoint(udpEndpoint(preset.host, preset.port))) continue;
      const line = PRESET_OWN_ADDRESS.format({ host: preset.host, port: preset.port });
      this.events.notice("warning", line);
      this.events.log(line);
    }
  }

  /** PING every client in the host table at the address it was last heard from. */
  pingKnownClients(): void {
    const now = this.clock();
    for (const entry of this.hosts.entries()) this.health.ping(entry, now);
  }

  /** The clients worth saving across a restart: not the known dead, not monitors (they subscribe again). */
  savableEntries(): HostEntry[] {
    return this.health.savable(this.clock(), (name) => this.observer.hub.isSubscriber(name));
  }

  /** A command removed a client that never was one (a refused monitor's made-up name). */
  forget(name: string, why: string): void {
    const entry = this.hosts.get(name);
    if (!entry || !this.hosts.remove(name)) return;
    this.events.log(CLIENT_REMOVED.format({ name, address: describeEndpoint(entry.endpoint), reason: why }));
  }

  /** Take a new configuration (RESTART, SIGHUP): the host table is kept. */
  applyConfig(config: ServerConfig): void {
    this.config = config;
    this.verbose = config.verbose;
    this.handshaking = config.handshake;
  }

  /** RESTART and SIGHUP. A burst of them (a script in a loop, a flood) shares one reload. */
  restart(): Promise<string> {
    this.restarting ??= this.reloadAndPing().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private async reloadAndPing(): Promise<string> {
    // SIGHUP is what logrotate sends: a log file rotated away or removed is
    // opened again, whether the config reloads or not.
    await this.control.checkLog();
    const result = await this.control.reloadConfig();
    if (!result.ok) {
      this.events.log(SERVER_RESTART_REFUSED.format({ reason: `${result.reason} - running configuration kept` }));
      return `ERROR: RESTART ${result.reason} - running configuration kept`;
    }
    // Whatever asked for it (RESTART, the console, SIGHUP), the log says it happened.
    this.events.log(SERVER_RESTARTED.format({ rcFile: this.control.rcFile }));
    this.applyConfig(result.config);
    this.enforcePins();
    this.checkPresets();
    this.pingKnownClients();
    this.handshake();
    return (
      `DONE: RESTART rcFile=${this.control.rcFile} numClients=${this.hosts.size} ` +
      `numPreset=${this.config.presetPorts.length} Server restarted, host table kept`
    );
  }

  /**
   * After a reload: a name now pinned somewhere other than where its route
   * points (an impostor took it before the pin) loses that route at once,
   * logged, and the pinned place is PINGed so the real client answers.
   */
  private enforcePins(): void {
    const pins = this.config.pins;
    for (const [name, targets] of pins) {
      const entry = this.hosts.get(name);
      if (!entry || mayClaim(pins, name, entry.endpoint)) continue;
      this.hosts.remove(name);
      const line = REFUSED_ROUTE.format({ name, address: describeEndpoint(entry.endpoint), detail: targets.map(describePin).join(" ") });
      this.events.log(line);
      this.events.notice("warning", line);
      // Serial ports and UDPPorts get the restart's handshake PING anyway; an address alone has no port to PING.
      for (const t of targets) if (t.kind === "udp" && t.port !== undefined) this.pingAddress(t.address, t.port);
    }
  }

  private serverCommand(src: string, from: Endpoint, body: string, fresh: boolean): void {
    if (isReply(body)) {
      this.events.serverMessage(src, body);
      return;
    }
    let answer: ReturnType<typeof runServerCommand>;
    try {
      answer = runServerCommand(this.commands, body, { name: src, endpoint: from, fresh });
    } catch (error) {
      // A bug in one command must not take the server down with it.
      this.events.notice("error", `internal error in server command '${body}': ${String(error)}`);
      answer = "ERROR: internal server error";
    }
    if (answer === undefined) return;
    if (typeof answer === "string") {
      this.reply(src, from, answer);
      return;
    }
    answer.then(
      (text) => text !== undefined && this.reply(src, this.hosts.get(src)?.endpoint ?? from, text),
      (error: unknown) => this.reply(src, from, `ERROR: internal server error: ${String(error)}`),
    );
  }

  private reply(to: string, endpoint: Endpoint, body: string): boolean {
    const header = `${this.config.serverId}>${to} `;
    // Replies may echo what a client wrote: one line, within the limit, always.
    const line = header + sendableBody(header.length, body);
    this.counters.replied++;
    this.observer.sent(to, line);
    this.events.log(line);
    if (this.verbose) this.events.traffic(line);
    if (this.outbox.send(endpoint, `${line}\r`)) return true;
    // Logged above as sent: say it was not (a serial port down or backlogged; UDP losses are reported by the transport).
    if (endpoint.kind === "serial") {
      this.counters.dropped++;
      this.events.log(NOT_DELIVERED_PORT.format({ address: endpoint.device, name: to, state: this.refusal(endpoint), text: preview(line) }));
    }
    return false;
  }

  /** Every serial port but the sender's, then every UDP client but the sender (each address once). */
  private fanOut(text: string, from: Endpoint | undefined): void {
    this.control.serialPorts().forEach((port, index) => {
      if (!port.up || (from?.kind === "serial" && from.index === index)) return;
      this.outbox.send({ kind: "serial", index, device: port.device }, text);
    });
    const sent = new Set<string>();
    if (from?.kind === "udp") sent.add(`${from.address}:${from.port}`);
    for (const entry of this.hosts.entries()) {
      const e = entry.endpoint;
      if (e.kind !== "udp") continue;
      const key = `${e.address}:${e.port}`;
      if (sent.has(key)) continue;
      sent.add(key);
      this.outbox.send(e, text);
      entry.messagesOut++;
    }
  }

  private announce(name: string, from: Endpoint, now: number): void {
    const note = from.kind === "udp" ? CLIENT_ADDED : SERIAL_CLIENT_ADDED;
    const line = note.format({ name, address: describeEndpoint(from) });
    this.events.log(line, now);
    this.events.notice("info", line);
  }

  private refusePinned(src: string, from: Endpoint, raw: string, body: string): void {
    this.counters.refused++;
    const pins = (this.config.pins.get(src) ?? []).map(describePin).join(" ");
    const line = REFUSED_PINNED.format({ from: describeEndpoint(from), name: src, detail: `${pins}: ${preview(raw)}` });
    this.events.log(line);
    const notice = this.notices.pass(`pin:${src}`, line);
    if (notice) this.events.notice("warning", notice);
    if (!isReply(body)) this.reply(src, from, `ERROR: Node name ${src} is pinned to another address, message refused`);
  }

  private refuseExec(src: string, from: Endpoint, body: string): void {
    this.counters.refused++;
    const where = describeEndpoint(from);
    const line = REFUSED_EXEC.format({ name: src, from: where, input: preview(body) });
    this.events.log(line);
    const notice = this.notices.pass("exec", line);
    if (notice) this.events.notice("warning", notice);
    this.reply(src, from, `ERROR: EXEC: not allowed from ${from.kind === "udp" ? from.address : where}, executive request refused`);
  }

  private malformed(raw: string, from: Endpoint, reason: string, failure: ParseFailure): void {
    if (failure === "oversized") this.counters.oversized++;
    else if (failure === "control") this.counters.controlBytes++;
    else this.counters.malformed++;
    const line = MALFORMED.format({ from: describeEndpoint(from), reason: `${reason}: ${preview(raw)}` });
    this.observer.malformed(line);
    this.events.log(line);
    if (this.verbose) this.events.traffic(line);
  }
}
