// Server commands: a message addressed to the server (or broadcast) whose
// body is a request. Each handler returns the reply body, or undefined for
// no reply. Pure apart from what the context does; see spec/server.md.
import { MAX_PRESET_PORTS, MAX_SERIAL_PORTS } from "../config/server-config.ts";
import { readRequest } from "../protocol/body-kind.ts";
import { cutText } from "../protocol/message.ts";
import { isIPv4, udpEndpoint } from "../shared/endpoint.ts";
import { formatIsoMicros } from "../shared/timestamp.ts";
import { COMP_DATE, COMP_TIME, VERSION } from "../shared/version.ts";
import type { CommandContext, CommandReply, Handler, Requester } from "./command-context.ts";
import { hostDetailSuffix, hostListSuffix } from "./host-health.ts";
import type { HostEntry } from "./host-table.ts";
import { MAX_HOSTS } from "./host-table.ts";
import { OBSERVE_HANDLERS } from "./observe-commands.ts";

/** Handle a request body sent to the server by `from` (undefined: the console). */
export function runServerCommand(ctx: CommandContext, body: string, from?: Requester): CommandReply {
  // Read as the agents read it, and as the access check did (readRequest).
  const { type, exec, words: parts } = readRequest(body);
  // Replies to the server are shown on the console by the caller, never answered.
  if (type !== undefined && type !== "REQ" && type !== "EXEC") return undefined;
  const word = parts[0];
  if (word === undefined) return exec ? "ERROR: Unrecognized ISIS command - EXEC:" : undefined;
  const name = word.toUpperCase();
  if (name === "PONG") return undefined;
  const handler = HANDLERS[name];
  if (!handler) return `ERROR: Unrecognized ISIS command - ${cutText(word)}`;
  return handler(ctx, parts.slice(1), exec, from);
}

const onOff = (on: boolean, flag: string): string => `${on ? "+" : "-"}${flag}`;

/** STATUS after checking the runtime log's file, so +LOG is true (an rm'd file is opened again first). */
function status(ctx: CommandContext): CommandReply {
  const checked = ctx.control.checkLog();
  return checked === undefined ? statusText(ctx) : checked.then(() => statusText(ctx));
}

function statusText(ctx: CommandContext): string {
  const c = ctx.control;
  const logDown = c.logHealth().down;
  // Ports that are down are appended only when there are some, so the
  // reply agents parse today is unchanged while everything is healthy.
  const down = c
    .serialPorts()
    .map((p, i) => (p.up ? "" : `tty${i}`))
    .filter(Boolean);
  return (
    `DONE: STATUS HostName=${ctx.config.serverId} HostAddr=${c.hostAddr()} rcFile=${c.rcFile} ` +
    `logFile=${c.logFile()} numClients=${ctx.hosts.size} ${ctx.verbose ? "Verbose" : "Concise"} ` +
    `${onOff(c.logging(), "LOG")} ${onOff(ctx.handshaking, "HANDSHAKE")} ${onOff(c.cli, "CLI")}` +
    (down.length > 0 ? ` SerialDown=${down.join(",")}` : "") +
    (logDown === undefined ? "" : ` LogDown=${logDown}`)
  );
}

function hostList(ctx: CommandContext): string {
  const entries = ctx.hosts.entries();
  if (entries.length === 0) return "DONE: HOST No hosts currently connected to the ISIS server.";
  const list = entries.map((e) => `host${e.slot}=${e.name}`).join(" ");
  return `DONE: HOST numHosts=${entries.length} maxHosts=${MAX_HOSTS} ${list}${hostListSuffix(entries)}`;
}

function hostDetail(ctx: CommandContext, e: HostEntry): string {
  const i = e.slot;
  // Never negative, even after the system clock was stepped back.
  const idle = (Math.max(0, ctx.now() - e.lastHeard) / 1000).toFixed(3);
  const where =
    e.endpoint.kind === "udp"
      ? `Method${i}=UDP udpAddr${i}=${e.endpoint.address} udpPort${i}=${e.endpoint.port}`
      : `Method${i}=Serial ttyPort${i}=${e.endpoint.index} Device${i}=${e.endpoint.device}`;
  return `DONE: HOST Host${i}=${e.name} ${where} IdleTime${i}=${idle}${hostDetailSuffix(e, ctx.now())}`;
}

function host(ctx: CommandContext, args: string[]): string {
  const target = args[0];
  if (target === undefined || target.toUpperCase() === "ALL") return hostList(ctx);
  // Named upper-cased, as the C server does: scripts match `Unknown Host NOSUCH`.
  const name = target.toUpperCase();
  const entry = ctx.hosts.get(name);
  return entry ? hostDetail(ctx, entry) : `ERROR: HOST Unknown Host ${cutText(name)}`;
}

function time(ctx: CommandContext): string {
  const iso = formatIsoMicros(ctx.now());
  return `DONE: TIME DATE=${iso.slice(0, 10)} TIME=${iso.slice(11, 19)} ISODATE=${iso} TIMESYS=UTC`;
}

function config(ctx: CommandContext): string {
  const entries = ctx.hosts.entries();
  if (entries.length === 0) return "DONE: CONFIG NumClients=0";
  return `DONE: CONFIG ${entries.map((e) => `${e.name}=ENABLED`).join(" ")}`;
}

function ports(ctx: CommandContext): string {
  const serial = ctx.control.serialPorts();
  if (serial.length === 0) return "DONE: PORTS No serial ports connected.";
  const tty = serial.map((p, i) => `tty${i}=${p.device}${p.up ? "" : ` tty${i}State=DOWN`}`).join(" ");
  const presets = ctx.config.presetPorts.map((p, i) => ` udp${i}=${p.host}:${p.port}`).join("");
  return (
    `DONE: PORTS NumSerial=${serial.length} MaxSerial=${MAX_SERIAL_PORTS} ${tty} ` +
    `NumPreset=${ctx.config.presetPorts.length} MaxPreset=${MAX_PRESET_PORTS}${presets}`
  );
}

function udpPing(ctx: CommandContext, args: string[]): string {
  const [address, portText] = args;
  if (address === undefined || portText === undefined) return "ERROR: UDPPING Blank IP address or port";
  if (!isIPv4(address)) return `ERROR: UDPPING Invalid IPAddress '${cutText(address)}'`;
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) return `ERROR: UDPPING Invalid port '${cutText(portText)}'`;
  // It would PING itself, answer itself, and go round (a loop).
  if (ctx.control.isOwnEndpoint(udpEndpoint(address, port))) return `ERROR: UDPPING ${address}:${port} is this server's own address, not PINGed`;
  ctx.pingAddress(address, port);
  return `DONE: UDPPING Sent PING to ${address}:${port}`;
}

function remove(ctx: CommandContext, args: string[]): string {
  const target = args[0];
  if (target === undefined) return "ERROR: REMOVE Must specify host to remove";
  const name = target.toUpperCase();
  return ctx.hosts.remove(name) ? `DONE: REMOVE Host ${name} removed from the host table` : `ERROR: REMOVE Host ${cutText(name)} unknown, not removed`;
}

function flush(ctx: CommandContext, args: string[]): string {
  const arg = args[0];
  if (arg === undefined) return "ERROR: FLUSH must specify port to flush";
  const k = /^\d+$/.test(arg) ? Number(arg) : -1;
  if (k < 0 || k >= MAX_SERIAL_PORTS) return `ERROR: FLUSH port ${cutText(arg)} out of range [0-${MAX_SERIAL_PORTS - 1}]`;
  const port = ctx.control.serialPorts()[k];
  if (!port || !ctx.control.flushSerial(k)) return `ERROR: FLUSH serial port ${k} not enabled`;
  return `DONE: FLUSH serial port ${k} (${port.device}) flushed`;
}

function quit(ctx: CommandContext, _args: string[], exec: boolean): string {
  if (!exec) return "ERROR: QUIT can only be executed as an executive override command";
  // The reply goes out synchronously before this microtask runs.
  queueMicrotask(() => ctx.control.quit());
  return `DONE: QUIT ISIS executive quit command executed ${ctx.config.serverId}=OFFLINE`;
}

function log(ctx: CommandContext, on: boolean): CommandReply {
  ctx.control.setLogging(on);
  if (!on) return "DONE: -LOG Runtime logging disabled";
  // +LOG when it is already on opens a log file that was removed or replaced again.
  const reply = () => `DONE: +LOG Runtime logging enabled logFile=${ctx.control.logFile()}`;
  const checked = ctx.control.checkLog();
  return checked === undefined ? reply() : checked.then(reply);
}

const HANDLERS: Record<string, Handler> = {
  PING: () => "PONG",
  STATUS: status,
  VERSION: (ctx) =>
    `DONE: VERSION Version='${VERSION}' exeName=${ctx.exeName} rcFile=${ctx.control.rcFile} ` +
    `UserID=${ctx.userId} CompDate=${COMP_DATE} CompTime=${COMP_TIME}`,
  HOSTS: hostList,
  HOST: host,
  LOG: (ctx) => `DONE: LOG logFile=${ctx.control.logFile()}`,
  "+LOG": (ctx) => log(ctx, true),
  "-LOG": (ctx) => log(ctx, false),
  TIME: time,
  CONFIG: config,
  PORTS: ports,
  UDPPING: udpPing,
  HANDSHAKE: (ctx) => {
    ctx.handshake();
    return "DONE: HANDSHAKE preset port handshake initiated";
  },
  REMOVE: remove,
  FLUSH: flush,
  QUIT: quit,
  RESTART: (ctx) => ctx.restart(),
  ...OBSERVE_HANDLERS,
};

/** The command words the server answers, for help text. */
export const SERVER_COMMANDS: readonly string[] = Object.keys(HANDLERS);
