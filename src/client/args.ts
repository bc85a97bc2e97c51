// The command line of `isis cmd` / `isisCmd`, parsed by hand: citty's parser
// would read options anywhere, but everything after the destination is the
// command and must pass through untouched (`isisCmd m1.ie offset -5`).
// Pure: errors come back as values with the exit code the old client used.

/** What the command line asks for. */
export type ParsedArgs =
  | { readonly action: "help" }
  | { readonly action: "version" }
  /** No destination given: print the usage and exit 1, like the old client. */
  | { readonly action: "usage" }
  | { readonly action: "run"; readonly options: CmdOptions }
  | { readonly action: "error"; readonly message: string; readonly exitCode: 1 | 2; readonly legacy: boolean };

export interface CmdOptions {
  /** Instrument section name from --mods1/--mods2/-m N, lower case ("mods1"). */
  readonly instrument?: string;
  /** --host HOST[:PORT]: talk to this server directly. */
  readonly host?: { readonly host: string; readonly port?: number };
  readonly id?: string;
  readonly server?: string;
  readonly config?: string;
  /** Seconds without a reply before giving up; 0 waits forever. */
  readonly timeoutSeconds: number;
  readonly verbose: boolean;
  /** The destination node as typed. */
  readonly dest: string;
  /** The command words after the destination, as typed. */
  readonly words: readonly string[];
}

/** Options taking a value, by long name; short and single-dash spellings map onto these. */
const VALUE_OPTIONS = new Set(["mods", "timeout", "config", "host", "id", "server"]);
const FLAG_OPTIONS = new Set(["mods1", "mods2", "verbose", "version", "help"]);
const SHORT: Readonly<Record<string, string>> = { m: "mods", t: "timeout", v: "verbose", V: "version", h: "help" };

/** Parse the arguments after `cmd` (or after `isisCmd`). */
export function parseCmdArgs(argv: readonly string[]): ParsedArgs {
  let instrument: string | undefined;
  let host: CmdOptions["host"];
  let id: string | undefined;
  let server: string | undefined;
  let config: string | undefined;
  let timeoutText = "0";
  let verbose = false;
  let help = false;
  let version = false;
  let instrumentError: string | undefined;

  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    // The first word that is not an option is the destination: stop here.
    if (!arg.startsWith("-") || arg === "-") break;
    const split = splitOption(arg);
    if (!split) return usageError(`unknown option '${arg}'`);
    let value = split.value;
    if (VALUE_OPTIONS.has(split.name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return usageError(`option '${arg}' needs a value`);
    }
    switch (split.name) {
      case "mods1":
      case "mods2":
        instrument = split.name;
        instrumentError = undefined;
        break;
      case "mods":
        // The old client's exact words and exit status 2 (not 1) for a bad -m.
        if (value === "1" || value === "2") {
          instrument = `mods${value}`;
          instrumentError = undefined;
        } else instrumentError = `** ERROR: Invalid argument '${value}' for -m: must be 1 or 2.`;
        break;
      case "timeout":
        timeoutText = value as string;
        break;
      case "config":
        config = value;
        break;
      case "host": {
        const parsed = parseHostPort(value as string);
        if (typeof parsed === "string") return usageError(parsed);
        host = parsed;
        break;
      }
      case "id":
        id = value;
        break;
      case "server":
        server = value;
        break;
      case "verbose":
        verbose = true;
        break;
      case "version":
        version = true;
        break;
      case "help":
        help = true;
        break;
    }
  }

  // The old client's order of checks: help, version, timeout, arguments, instrument.
  if (help) return { action: "help" };
  if (version) return { action: "version" };
  const timeoutSeconds = parseTimeout(timeoutText);
  if (typeof timeoutSeconds === "string") return usageError(timeoutSeconds);
  const dest = argv[i];
  if (dest === undefined) return { action: "usage" };
  if (instrumentError) return { action: "error", message: instrumentError, exitCode: 2, legacy: true };
  const words = argv.slice(i + 1);
  if (words.length === 0) return usageError(`no command given after the destination '${dest}'`);
  return {
    action: "run",
    options: { instrument, host, id, server, config, timeoutSeconds, verbose, dest, words },
  };
}

/**
 * `--name`, `--name=value`, `-x`, `-xVALUE`, `-x=VALUE`, and the old
 * client's single-dash long names (`-mods1`, `-timeout 5`; Perl's Getopt::Long
 * accepted those). Undefined for an unknown option.
 */
function splitOption(arg: string): { name: string; value?: string } | undefined {
  const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
  const eq = body.indexOf("=");
  const name = eq === -1 ? body : body.slice(0, eq);
  const attached = eq === -1 ? undefined : body.slice(eq + 1);
  if (FLAG_OPTIONS.has(name)) return attached === undefined ? { name } : undefined;
  if (VALUE_OPTIONS.has(name)) return { name, value: attached };
  if (arg.startsWith("--")) return undefined;
  // A short option: one letter, the value may follow directly (-t5, -m=1).
  const long = SHORT[body.charAt(0)];
  if (long === undefined) return undefined;
  const rest = body.slice(1);
  if (FLAG_OPTIONS.has(long)) return rest === "" ? { name: long } : undefined;
  if (rest === "") return { name: long };
  return { name: long, value: rest.startsWith("=") ? rest.slice(1) : rest };
}

/** Non-negative seconds, decimals allowed; a message for anything else. */
export function parseTimeout(text: string): number | string {
  if (/^-\d+(\.\d+)?$/.test(text)) return `invalid timeout '${text}': must be 0 or positive`;
  if (!/^\d+(\.\d+)?$/.test(text)) return `invalid timeout '${text}': a number of seconds is expected`;
  return Number(text);
}

/** `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address; a message when malformed. */
export function parseHostPort(text: string): { host: string; port?: number } | string {
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
  } else if (text.indexOf(":") === text.lastIndexOf(":") && text.includes(":")) {
    // Exactly one colon: HOST:PORT. More than one is a bare IPv6 address.
    host = text.slice(0, text.indexOf(":"));
    portText = text.slice(text.indexOf(":") + 1);
  }
  if (host === "") return `invalid --host '${text}': the host is empty`;
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    return `invalid --host '${text}': the port must be a number from 1 to 65535`;
  }
  return { host, port };
}

const usageError = (message: string): ParsedArgs => ({ action: "error", message, exitCode: 1, legacy: false });
