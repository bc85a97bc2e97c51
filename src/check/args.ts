// The command line of `isis check`. Pure: errors come back as values. The
// server is chosen as `isis cmd` and `isis monitor` choose it (--mods1,
// -m N, --host, --config, --server, --id).
import { type CmdOptions, serverItself } from "../client/args.ts";
import {
  commandOptions,
  nodePatterns,
  type OptionSpec,
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
export function parseCheckArgs(argv: readonly string[]): ParsedCheckArgs {
  const target: TargetOptionsDraft = {};
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  const ignore: string[] = [];
  for (const option of commandOptions(argv, OPTIONS, target)) {
    if (option.error !== undefined) return error(option.error);
    const v = option.value as string;
    switch (option.name) {
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
      case "ignore": {
        const names = nodePatterns(v, "--ignore", "ISISCMD,M1.*");
        if (typeof names === "string") return error(names);
        ignore.push(...names);
        break;
      }
    }
  }
  return { action: "run", options: { ...target, timeoutSeconds, ignore } };
}

/** The server to check, chosen as `isis cmd` chooses it. */
export const asCmdOptions = (o: CheckOptions, id: string): CmdOptions => serverItself(o, id, "STATUS", o.timeoutSeconds);

/** A node name of our own, removed again at the end: a check every minute must not fill the host table or show as stale. */
export const defaultCheckId = (pid: number): string => `CHK${pid % 100000}`;

const error = (message: string): ParsedCheckArgs => ({ action: "error", message });
