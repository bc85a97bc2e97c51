// What a server command (commands.ts, observe-commands.ts) may see and do:
// narrow views of the configuration, the host table, the server and the
// observer, each the few members the commands use. The core builds one from
// its parts (IsisCore's commandContext); a command never holds the core.
import type { ServerConfig } from "../config/server-config.ts";
import type { Endpoint } from "../shared/endpoint.ts";
import type { HostTable } from "./host-table.ts";
import type { InFlight } from "./in-flight.ts";
import type { MonitorHub } from "./monitor-hub.ts";
import type { Observer } from "./observer.ts";
import type { ServerControl } from "./ports.ts";

export interface CommandContext {
  /** The configuration in force (RESTART replaces it). */
  readonly config: Pick<ServerConfig, "serverId" | "presetPorts">;
  readonly verbose: boolean;
  readonly handshaking: boolean;
  readonly exeName: string;
  readonly userId: string;
  /** HOST, HOSTS, CONFIG read it; REMOVE takes a client out. */
  readonly hosts: Pick<HostTable, "size" | "get" | "entries" | "remove">;
  /** The server's address, ports and runtime log, and QUIT (a reload is restart()'s). */
  readonly control: Pick<
    ServerControl,
    "rcFile" | "cli" | "hostAddr" | "isOwnEndpoint" | "logFile" | "logging" | "checkLog" | "logHealth" | "setLogging" | "serialPorts" | "flushSerial" | "quit"
  >;
  /** LIVENESS, INFLIGHT, STATS and MONITOR. */
  readonly observer: Pick<Observer, "liveness" | "openCommands" | "stats" | "monitors" | "pingClients"> & {
    readonly inFlight: Pick<InFlight, "clear">;
    readonly hub: Pick<MonitorHub, "subscribe" | "unsubscribe">;
  };
  now(): number;
  /** Send `IS>AL PING` to one UDP address (UDPPING); false when it is the server's own. */
  pingAddress(address: string, port: number): boolean;
  /** Remove a client that never was one (a refused monitor's made-up name), saying why in the log. */
  forget(name: string, why: string): void;
  /** PING every serial port and preset UDP port (HANDSHAKE). */
  handshake(): void;
  /** Reload config, PING known clients and presets; resolves to the reply body. */
  restart(): Promise<string>;
}

export type CommandReply = string | undefined | Promise<string | undefined>;

/** The client that sent the request; undefined when typed at the console. */
export interface Requester {
  readonly name: string;
  readonly endpoint: Endpoint;
  /** This request added the client to the host table. */
  readonly fresh?: boolean;
}

/** One server command: its arguments (the words after it), whether it came as EXEC:, and who asked. */
export type Handler = (ctx: CommandContext, args: string[], exec: boolean, from: Requester | undefined) => CommandReply;
