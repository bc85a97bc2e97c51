// The narrow interfaces between the routing core and everything with I/O.
import type { ServerConfig } from "../config/server-config.ts";
import type { Endpoint, UdpEndpoint } from "../shared/endpoint.ts";
import type { Priority } from "../shared/priority.ts";

/** Delivers wire text to an endpoint. Returns false when it cannot (a serial port that is down). */
export interface Outbox {
  send(to: Endpoint, text: string): boolean;
}

/** Where the core reports what happened. */
export interface CoreEvents {
  /** A runtime log entry, timestamped `at` (clock ms) when given, else by the log itself. */
  log(text: string, at?: number): void;
  /** Something an operator should see on the console or in the journal, and how much it matters. */
  notice(priority: Priority, text: string): void;
  /** A reply or a message addressed to the server itself (DONE:, STATUS:...): shown on the console. */
  serverMessage(src: string, body: string): void;
  /** Verbose mode: a copy of every message received and sent. */
  traffic(text: string): void;
  /** observer.tick() has work before observer.nextDue() said (a stale client spoke, a monitor came): tick soon. */
  wake?(): void;
  /** A client was added, moved or was removed (not a mere refresh): the state file is saved, the status line redone. */
  hostsChanged?(): void;
}

export interface SerialPortInfo {
  readonly device: string;
  readonly up: boolean;
}

/** The runtime log's health, as every report of it says it. */
export interface LogHealth {
  /** Entries lost since start (a full queue, a failed write). */
  readonly lost: number;
  /** Why it is not being written although it is on (`unwritable`, `no_answer`, `queue_full`); undefined while it is, or while it is off. */
  readonly down: string | undefined;
}

/** Datagrams that never reached the core: none of them is in `received`. */
export interface IntakeLosses {
  /** Dropped by the flood guard (FloodLimit) while the server was overloaded. */
  readonly flooded: number;
  /** Dropped by the kernel in front of the server's socket (it was full), as far as the server learnt. */
  readonly kernelDropped: number;
}

export type RestartResult = { readonly ok: true; readonly config: ServerConfig } | { readonly ok: false; readonly reason: string };

/** Server-wide facilities the commands need that are not the core's to own. */
export interface ServerControl {
  readonly rcFile: string;
  /** `host:port` as STATUS reports it. */
  hostAddr(): string;
  /**
   * Does a datagram to this endpoint reach the server's own socket? Its port,
   * on any address of this host (127.x.y.z, 0.0.0.0, an interface's). Called
   * for every datagram in and out: the port is compared first.
   */
  isOwnEndpoint(e: UdpEndpoint): boolean;
  /** True when the interactive console is running (+CLI). */
  readonly cli: boolean;
  logFile(): string;
  logging(): boolean;
  /**
   * Check that the runtime log still writes to the file at its path, opening
   * it again if it was removed or replaced (STATUS, +LOG, RESTART); undefined
   * when there is nothing to check (logging off). Resolves within a second.
   */
  checkLog(): Promise<void> | undefined;
  /** How the runtime log fares: STATUS (LogDown=), STATS (logLost, logDown), the MetricsFile and isis check all say this. */
  logHealth(): LogHealth;
  /** Datagrams dropped before the core saw them (STATS flooded, kernelDropped). */
  intakeLosses(): IntakeLosses;
  setLogging(on: boolean): void;
  serialPorts(): readonly SerialPortInfo[];
  flushSerial(index: number): boolean;
  /** Re-read the config file; the core applies a good one and keeps the old one otherwise. */
  reloadConfig(): Promise<RestartResult>;
  /** Shut the server down cleanly (after the current reply has gone out). */
  quit(): void;
}
