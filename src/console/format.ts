// Text the console prints: banner, help, the `hosts` table, `info`, `history`.
// Pure functions of plain facts, so they are tested without a server.
import type { PresetPort } from "../config/server-config.ts";
import type { SerialPortInfo } from "../core/ports.ts";
import type { Endpoint } from "../shared/endpoint.ts";
import { KEYBOARD_COMMANDS, type KeyboardCommand } from "./parse.ts";

export function banner(version: string, compDate: string, compTime: string): string {
  return `ISIS server version ${version} (${compDate} ${compTime}) - interactive console\nType 'help' for commands, 'quit' to shut the server down.`;
}

const KEYBOARD_HELP: Record<KeyboardCommand, string> = {
  quit: "tell every client the server is going offline, then shut down (also Ctrl+C, Ctrl+D)",
  hosts: "the host table: one line per client with its address and idle time",
  info: "server, clients, serial ports, preset ports, flags, instrument, version",
  help: "this text",
  verbose: "echo all traffic on the console",
  concise: "stop echoing traffic",
  history: "the lines typed so far (Up/Down recall them)",
};

/** The help text; `serverCommands` are the words the server command table answers. */
export function helpText(serverId: string, serverCommands: readonly string[]): string {
  const width = Math.max(...KEYBOARD_COMMANDS.map((c) => c.length));
  return [
    "Console commands:",
    ...KEYBOARD_COMMANDS.map((c) => `  ${c.padEnd(width)}  ${KEYBOARD_HELP[c]}`),
    "Sending:",
    `  >NAME text   send '${serverId}>NAME text' to client NAME`,
    `  >AL text     send '${serverId}>AL text' to every client`,
    "Anything else is run as a server command (as EXEC:) and its reply printed:",
    `  ${serverCommands.join(" ")}`,
  ].join("\n");
}

export interface HostRow {
  readonly slot: number;
  readonly name: string;
  readonly endpoint: Endpoint;
  /** Clock time (ms) of the client's last message. */
  readonly lastHeard: number;
}

/** The detailed host table, one line per client, with idle time in seconds relative to `now` (ms). */
export function formatHostsTable(rows: readonly HostRow[], maxHosts: number, now: number): string {
  if (rows.length === 0) return "No hosts currently connected to the ISIS server.";
  const lines = rows.map((r) => {
    const [method, address] =
      r.endpoint.kind === "udp" ? ["UDP", `${r.endpoint.address}:${r.endpoint.port}`] : ["Serial", `${r.endpoint.device} (tty${r.endpoint.index})`];
    const idle = (Math.max(0, now - r.lastHeard) / 1000).toFixed(3);
    return `${String(r.slot).padStart(4)}  ${r.name.padEnd(8)}  ${method.padEnd(6)}  ${address.padEnd(28)}  ${idle.padStart(10)}`;
  });
  const header = `${"Slot".padStart(4)}  ${"Name".padEnd(8)}  ${"Method".padEnd(6)}  ${"Address".padEnd(28)}  ${"Idle (s)".padStart(10)}`;
  return [header, ...lines, `${rows.length} of ${maxHosts} host table slots in use`].join("\n");
}

export interface InfoFacts {
  readonly serverId: string;
  /** `host:port` as STATUS reports it. */
  readonly hostAddr: string;
  readonly port: number;
  readonly rcFile: string;
  readonly logFile: string;
  readonly clients: readonly string[];
  readonly maxHosts: number;
  readonly serialPorts: readonly SerialPortInfo[];
  readonly presetPorts: readonly PresetPort[];
  readonly verbose: boolean;
  readonly logging: boolean;
  readonly handshaking: boolean;
  readonly cli: boolean;
  readonly instrument: string;
  readonly version: string;
  readonly compDate: string;
  readonly compTime: string;
}

const flag = (on: boolean, name: string): string => `${on ? "+" : "-"}${name}`;

export function formatInfo(f: InfoFacts): string {
  const serial = f.serialPorts.length === 0 ? "none" : f.serialPorts.map((p, i) => `tty${i}=${p.device}${p.up ? "" : " (DOWN)"}`).join(" ");
  const presets = f.presetPorts.length === 0 ? "none" : f.presetPorts.map((p, i) => `udp${i}=${p.host}:${p.port}`).join(" ");
  const clients = `${f.clients.length} of ${f.maxHosts}${f.clients.length ? `: ${f.clients.join(" ")}` : ""}`;
  const rows: Array<[string, string]> = [
    ["Server", `${f.serverId} on UDP port ${f.port} (${f.hostAddr})`],
    ["Config", f.rcFile],
    ["Log", f.logFile],
    ["Clients", clients],
    ["Serial", serial],
    ["Presets", presets],
    ["Flags", `${f.verbose ? "Verbose" : "Concise"} ${flag(f.logging, "LOG")} ${flag(f.handshaking, "HANDSHAKE")} ${flag(f.cli, "CLI")}`],
    ["Instrument", f.instrument],
    ["Version", `${f.version} (${f.compDate} ${f.compTime})`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(10)}  ${v}`).join("\n");
}

/** Typed lines, oldest first, numbered from 1 like a shell's history. */
export function formatHistory(lines: readonly string[]): string {
  if (lines.length === 0) return "(no history)";
  const width = String(lines.length).length;
  return lines.map((l, i) => `${String(i + 1).padStart(Math.max(4, width + 1))}  ${l}`).join("\n");
}
