// The legacy runtime config file (isis.ini). Not INI: one `Keyword value...`
// per line, `#` in column 1 starts a comment, keywords case-insensitive.
// Parsing is pure; loadServerConfig() is the only function that touches disk.

import { escapeControls } from "../protocol/escape.ts";
import { nodeNameProblem } from "../protocol/message.ts";
import { isIPv4 } from "../shared/endpoint.ts";
import { readSmallFile } from "../shared/read-file.ts";
import type { Network, PinTarget } from "./access-values.ts";
import { ReliabilityKeywords } from "./reliability-keywords.ts";

export const MAX_SERIAL_PORTS = 8;
export const MAX_PRESET_PORTS = 12;
export const DEFAULT_CONFIG_PATH = "/home/dts/Config/isis.ini";

export interface PresetPort {
  readonly host: string;
  readonly port: number;
}

export interface ServerConfig {
  readonly serverId: string;
  /** 0 asks the OS for any free port. */
  readonly serverPort: number;
  /** Log path root; files are ROOT.CCYYMMDD.log. */
  readonly serverLog: string;
  /** true: name log files by UTC date; false: by observing day (local noon to noon). */
  readonly logDateUtc: boolean;
  readonly logEnabled: boolean;
  readonly verbose: boolean;
  readonly handshake: boolean;
  readonly ttyPorts: readonly string[];
  readonly presetPorts: readonly PresetPort[];
  readonly instrument: string;
  /** Networks allowed to send EXEC: requests (ExecAllow); undefined: anyone, as before. */
  readonly execAllow: readonly Network[] | undefined;
  /** Node names bound to an address or serial port (Pin); a claim from elsewhere is refused. */
  readonly pins: ReadonlyMap<string, readonly PinTarget[]>;
  /** Host table state file (StateFile): a path, false for none, undefined for the default location. */
  readonly stateFile: string | false | undefined;
  /** Per-sender datagrams/s allowed while the server is overloaded (FloodLimit); 0: no limit. */
  readonly floodRate: number;
  /** Datagrams a sender may send in a burst above floodRate. */
  readonly floodBurst: number;
  /** A client silent longer than this is flagged stale in LIVENESS (0: never). */
  readonly staleAfterSec: number;
  /** An open command quiet longer than this is flagged late in INFLIGHT (0: never). */
  readonly commandTimeoutSec: number;
  /** Broadcast a STATUS: when a client goes stale or comes back. */
  readonly announceStale: boolean;
  /** Where the figures go in Prometheus text format (MetricsFile); undefined: nowhere. */
  readonly metricsFile: string | undefined;
  /** How often the MetricsFile is replaced, in seconds (default 10). */
  readonly metricsEverySec: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  serverId: "IS",
  serverPort: 0,
  serverLog: "/home/Logs/ISIS/isis",
  logDateUtc: false,
  logEnabled: true,
  verbose: false,
  handshake: true,
  ttyPorts: [],
  presetPorts: [],
  instrument: "None",
  execAllow: undefined,
  pins: new Map(),
  stateFile: undefined,
  floodRate: 1000,
  floodBurst: 2000,
  staleAfterSec: 120,
  commandTimeoutSec: 120,
  announceStale: false,
  metricsFile: undefined,
  metricsEverySec: 10,
};

/**
 * What the server runs on when the default config file is absent: loopback
 * safe (no preset ports to PING, no serial ports) and logging beside the
 * working directory rather than in a system path that may not exist.
 */
export const EMBEDDED_CONFIG_TEXT = `# isis embedded default configuration
ServerID   IS
ServerPort 6600
ServerLog  logs/isis
LogDate    UTC
`;

/** One remark about a config line. A fatal one makes the whole file invalid. */
export interface ConfigProblem {
  readonly line: number;
  readonly message: string;
  readonly fatal: boolean;
}

export interface ParsedConfig {
  readonly config: ServerConfig;
  readonly problems: readonly ConfigProblem[];
}

export type LoadResult =
  | { readonly ok: true; readonly config: ServerConfig; readonly problems: readonly ConfigProblem[] }
  | { readonly ok: false; readonly reason: string; readonly problems: readonly ConfigProblem[] };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Parse config text. Lines of any length are taken whole (the old server cut them at 79). */
export function parseServerConfig(text: string): ParsedConfig {
  const config: Mutable<ServerConfig> = { ...DEFAULT_SERVER_CONFIG, ttyPorts: [], presetPorts: [] };
  const ttyPorts: string[] = [];
  const presetPorts: PresetPort[] = [];
  const problems: ConfigProblem[] = [];
  const reliability = new ReliabilityKeywords(DEFAULT_SERVER_CONFIG);
  // A byte-order mark (a file saved by a Windows editor) is not part of the first keyword.
  const lines = text.replace(/^(\xef\xbb\xbf|\ufeff)/, "").split(/\r?\n/);

  const parseLine = (raw: string, line: number): void => {
    if (raw.startsWith("#")) return;
    const trimmed = raw.trim();
    if (trimmed === "") return;
    const [keywordRaw = "", ...rest] = trimmed.split(/\s+/);
    const keyword = keywordRaw.toLowerCase();
    const value = rest.join(" ");
    const problem = (message: string, fatal: boolean): void => {
      // A file with control bytes in it (an escape sequence, a lone CR) is named on one clean line.
      problems.push({ line, message: escapeControls(message), fatal });
    };
    const needValue = (): boolean => {
      if (value !== "") return true;
      problem(`${keywordRaw} needs a value`, true);
      return false;
    };
    if (reliability.parse(keyword, keywordRaw, rest, problem)) return;

    switch (keyword) {
      case "serverid": {
        if (!needValue()) return;
        const why = nodeNameProblem(value);
        if (why) return problem(`ServerID: ${why}`, true);
        config.serverId = value.toUpperCase();
        return;
      }
      case "serverport": {
        if (!needValue()) return;
        const port = parsePort(value);
        if (port === undefined) return problem(`ServerPort '${value}' is not a port number (0-65535)`, true);
        config.serverPort = port;
        return;
      }
      case "serverlog":
        if (!needValue()) return;
        config.serverLog = value;
        return;
      case "logdate":
        config.logDateUtc = value.toUpperCase() === "UTC";
        return;
      case "nolog":
        config.logEnabled = false;
        return;
      case "verbose":
        config.verbose = true;
        return;
      case "nohandshaking":
        config.handshake = false;
        return;
      case "ttyport":
        if (!needValue()) return;
        if (ttyPorts.length >= MAX_SERIAL_PORTS) {
          return problem(`too many TTYPort lines (max ${MAX_SERIAL_PORTS}), ${value} ignored`, false);
        }
        ttyPorts.push(value);
        return;
      case "udpport": {
        if (rest.length !== 2) return problem(`UDPPort needs 'host port', got '${value}'`, true);
        const [host = "", portText = ""] = rest;
        const port = parsePort(portText);
        if (port === undefined || port === 0) return problem(`UDPPort port '${portText}' is not a port number (1-65535)`, true);
        if (presetPorts.length >= MAX_PRESET_PORTS) {
          return problem(`too many UDPPort lines (max ${MAX_PRESET_PORTS}), ${host} ${port} ignored`, false);
        }
        // An unusable host is reported and skipped, as the old server did, so
        // one bad line cannot keep the server down.
        if (!isIPv4(host)) return problem(`UDPPort host '${host}' is not a valid IPv4 address, ignored`, false);
        presetPorts.push({ host, port });
        return;
      }
      case "instrument":
      case "inst":
        if (!needValue()) return;
        config.instrument = value;
        return;
      case "staleafter":
      case "commandtimeout": {
        if (!needValue()) return;
        const seconds = parseSeconds(value);
        if (seconds === undefined) return problem(`${keywordRaw} '${value}' is not a number of seconds`, true);
        if (keyword === "staleafter") config.staleAfterSec = seconds;
        else config.commandTimeoutSec = seconds;
        return;
      }
      case "announcestale":
        config.announceStale = true;
        return;
      case "metricsfile": {
        const [path = "", everyText = "10"] = rest;
        const every = parseSeconds(everyText);
        if (rest.length === 0 || rest.length > 2 || every === undefined || every < 0.1 || every > 3600) {
          return problem(`MetricsFile needs 'PATH [SECONDS]' (every 0.1 to 3600 s, default 10) or 'off', got '${value}'`, true);
        }
        config.metricsFile = /^(off|none|no)$/i.test(path) ? undefined : path;
        config.metricsEverySec = every;
        return;
      }
      default:
        problem(`unknown keyword '${keywordRaw}' ignored`, false);
    }
  };
  for (const [index, raw] of lines.entries()) parseLine(raw, index + 1);

  config.ttyPorts = ttyPorts;
  config.presetPorts = presetPorts;
  Object.assign(config, reliability.result());
  return { config, problems };
}

/**
 * Read and parse a config file; a missing, unreadable or invalid file is a
 * reason, not an exception, and so is one that is not a regular file, is
 * over a megabyte or does not come back within 5 s (read-file.ts).
 */
export async function loadServerConfig(path: string): Promise<LoadResult> {
  const read = await readSmallFile(path);
  if (!read.ok) return { ok: false, reason: escapeControls(`cannot read config file ${path}: ${read.reason}`), problems: [] };
  const { config, problems } = parseServerConfig(Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.length).toString("latin1"));
  const fatal = problems.find((p) => p.fatal);
  if (fatal) return { ok: false, reason: `${escapeControls(path)}:${fatal.line}: ${fatal.message}`, problems };
  return { ok: true, config, problems };
}

/** `file:line: message` for each problem, for the console and the log. */
export const formatProblems = (path: string, problems: readonly ConfigProblem[]): string[] =>
  problems.map((p) => `${escapeControls(path)}:${p.line}: ${p.fatal ? "error" : "warning"}: ${p.message}`);

/** Non-negative seconds, decimals allowed (StaleAfter 0.5). */
function parseSeconds(text: string): number | undefined {
  return /^\d{1,9}(\.\d{1,6})?$/.test(text) ? Number(text) : undefined;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
