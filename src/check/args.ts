// The command line of `isis check`. Pure: errors come back as values. The
// server is chosen as `isis cmd` and `isis monitor` choose it (--mods1,
// -m N, --host, --config, --server, --id).
import type { CmdOptions } from "../client/args.ts";
import {
  applyTargetOption,
  type OptionSpec,
  splitOption,
  TARGET_FLAG_OPTIONS,
  TARGET_VALUE_OPTIONS,
  type TargetOptions,
  type TargetOptionsDraft,
} from "../client/shared-args.ts";

export interface CheckOptions extends TargetOptions {
  /** Seconds to wait for each answer. */
  readonly timeoutSeconds: number;
  /** Clients whose silence is no warning (NAME or a NAME* prefix, upper case): one-shot clients, agents switched off. */
  readonly ignore: readonly string[];
}

export type ParsedCheckArgs =
  | { readonly action: "help" }
  | { readonly action: "version" }
  | { readonly action: "run"; readonly options: CheckOptions }
  | { readonly action: "error"; readonly message: string };

/** Long enough for a loaded server, short of the 10 s a monitoring system gives a plugin. */
export const DEFAULT_TIMEOUT_SECONDS = 5;

const OPTIONS: OptionSpec = {
  values: new Set([...TARGET_VALUE_OPTIONS, "timeout", "ignore"]),
  flags: new Set([...TARGET_FLAG_OPTIONS, "help", "version"]),
  short: { m: "mods", t: "timeout", h: "help", V: "version" },
};
const NODE_PATTERN = /^[A-Za-z0-9._]{1,8}\*?$/;

export function parseCheckArgs(argv: readonly string[]): ParsedCheckArgs {
  const target: TargetOptionsDraft = {};
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  const ignore: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const split = splitOption(arg, OPTIONS);
    if (!split) return error(arg.startsWith("-") ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    let value = split.value;
    if (OPTIONS.values.has(split.name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return error(`option '${arg}' needs a value`);
    }
    const taken = applyTargetOption(target, split.name, value);
    if (taken.kind === "bad-instrument") return error(`invalid argument '${taken.value}' for -m: must be 1 or 2`);
    if (taken.kind === "error") return error(taken.message);
    if (taken.kind === "taken") continue;
    const v = value as string;
    switch (split.name) {
      case "help":
        return { action: "help" };
      case "version":
        return { action: "version" };
      case "timeout": {
        const seconds = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || seconds <= 0 || seconds > 3600) return error(`invalid --timeout '${v}': seconds, more than 0 and at most 3600`);
        timeoutSeconds = seconds;
        break;
      }
      case "ignore":
        for (const n of v.split(",").filter(Boolean)) {
          if (!NODE_PATTERN.test(n)) return error(`invalid --ignore '${n}': a node name, or a prefix ending in * (ISISCMD,M1.*)`);
          ignore.push(n.toUpperCase());
        }
        break;
    }
  }
  return { action: "run", options: { ...target, timeoutSeconds, ignore } };
}

/** The same server choice as `isis cmd`, so resolveTarget can be reused: the destination is the server itself. */
export function asCmdOptions(o: CheckOptions, id: string): CmdOptions {
  return {
    instrument: o.instrument,
    host: o.host,
    config: o.config,
    server: o.server,
    id,
    timeoutSeconds: o.timeoutSeconds,
    verbose: false,
    dest: o.server ?? "IS",
    words: ["STATUS"],
  };
}

/** A node name of our own, removed again at the end: a check every minute must not fill the host table or show as stale. */
export const defaultCheckId = (pid: number): string => `CHK${pid % 100000}`;

const error = (message: string): ParsedCheckArgs => ({ action: "error", message });
