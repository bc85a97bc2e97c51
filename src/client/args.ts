// The command line of `isis cmd` / `isisCmd`, parsed by hand, not by
// commands/_args.ts: that one reads options anywhere, but everything after the
// destination is the command and must pass through untouched (`isisCmd m1.ie
// offset -5`), and the old client's single-dash long names (-mods1) stay.
// Pure: errors come back as values with the exit code the old client used.

import {
  applyTargetOption,
  type OptionSpec,
  splitOption,
  TARGET_FLAG_OPTIONS,
  TARGET_VALUE_OPTIONS,
  type TargetOptions,
  type TargetOptionsDraft,
} from "./shared-args.ts";

/** What the command line asks for. */
export type ParsedArgs =
  | { readonly action: "help" }
  | { readonly action: "version" }
  /** No destination given: print the usage and exit 1, like the old client. */
  | { readonly action: "usage" }
  | { readonly action: "run"; readonly options: CmdOptions }
  | { readonly action: "error"; readonly message: string; readonly exitCode: 1 | 2; readonly legacy: boolean };

export interface CmdOptions extends TargetOptions {
  /** Seconds without a reply before giving up; 0 waits forever. */
  readonly timeoutSeconds: number;
  readonly verbose: boolean;
  /** The destination node as typed. */
  readonly dest: string;
  /** The command words after the destination, as typed. */
  readonly words: readonly string[];
}

/** Options taking a value, by long name; short and single-dash spellings map onto these. */
const OPTIONS: OptionSpec = {
  values: new Set([...TARGET_VALUE_OPTIONS, "timeout"]),
  flags: new Set([...TARGET_FLAG_OPTIONS, "verbose", "version", "help"]),
  short: { m: "mods", t: "timeout", v: "verbose", V: "version", h: "help" },
};

/** Parse the arguments after `cmd` (or after `isisCmd`). */
export function parseCmdArgs(argv: readonly string[]): ParsedArgs {
  const target: TargetOptionsDraft = {};
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
    const split = splitOption(arg, OPTIONS);
    if (!split) return usageError(`unknown option '${arg}'`);
    let value = split.value;
    if (OPTIONS.values.has(split.name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return usageError(`option '${arg}' needs a value`);
    }
    const taken = applyTargetOption(target, split.name, value);
    switch (taken.kind) {
      case "taken":
        // A later valid instrument choice overrides an earlier bad -m, as with the old client.
        if (split.name.startsWith("mods")) instrumentError = undefined;
        continue;
      case "bad-instrument":
        // The old client's exact words and exit status 2 (not 1) for a bad -m.
        instrumentError = `** ERROR: Invalid argument '${taken.value}' for -m: must be 1 or 2.`;
        continue;
      case "error":
        return usageError(taken.message);
      case "other":
        break;
    }
    switch (split.name) {
      case "timeout":
        timeoutText = value as string;
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
    options: { ...target, timeoutSeconds, verbose, dest, words },
  };
}

/** Non-negative seconds, decimals allowed; a message for anything else. */
export function parseTimeout(text: string): number | string {
  if (/^-\d+(\.\d+)?$/.test(text)) return `invalid timeout '${text}': must be 0 or positive`;
  if (!/^\d+(\.\d+)?$/.test(text)) return `invalid timeout '${text}': a number of seconds is expected`;
  return Number(text);
}

const usageError = (message: string): ParsedArgs => ({ action: "error", message, exitCode: 1, legacy: false });

/**
 * The server chosen as `isis cmd` chooses it, with the server itself as the
 * destination (`isis check`, `isis monitor`), so resolveTarget serves all three.
 */
export function serverItself(o: TargetOptions, id: string, word: string, timeoutSeconds: number): CmdOptions {
  return {
    instrument: o.instrument,
    host: o.host,
    config: o.config,
    server: o.server,
    id,
    timeoutSeconds,
    verbose: false,
    dest: o.server ?? "IS",
    words: [word],
  };
}
