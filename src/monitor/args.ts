// The command line of `isis monitor`. Pure: errors come back as values.
// Server selection is spelled as for `isis cmd` (--mods1, -m N, --host,
// --config, --server, --id) so that operators need learn nothing new.
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
import { BODY_KINDS } from "../protocol/body-kind.ts";

export interface MonitorOptions extends TargetOptions {
  /** Our node name; undefined: one made up from the process id (MONnnnnn). */
  readonly id?: string;
  /** Node names or NAME* prefixes to watch; empty: all. */
  readonly nodes: readonly string[];
  /** Message kinds to watch (REQ, DONE, ...); empty: all. */
  readonly types: readonly string[];
  /** Line output even on a terminal. */
  readonly plain: boolean;
  /** Use --id even if the server's host table holds that name (an agent's route). */
  readonly forceId: boolean;
}

export type ParsedMonitorArgs =
  | { readonly action: "help" }
  | { readonly action: "version" }
  | { readonly action: "run"; readonly options: MonitorOptions }
  | { readonly action: "error"; readonly message: string };

const OPTIONS: OptionSpec = {
  values: new Set([...TARGET_VALUE_OPTIONS, "node", "type"]),
  flags: new Set([...TARGET_FLAG_OPTIONS, "plain", "force-id", "help", "version"]),
  short: { m: "mods", h: "help", V: "version" },
};
const KINDS: ReadonlySet<string> = new Set([...BODY_KINDS, "BAD"]);
const NODE_PATTERN = /^[A-Za-z0-9._]{1,8}\*?$/;

export function parseMonitorArgs(argv: readonly string[]): ParsedMonitorArgs {
  const target: TargetOptionsDraft = {};
  let plain = false;
  let forceId = false;
  const nodes: string[] = [];
  const types: string[] = [];

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
      case "plain":
        plain = true;
        break;
      case "force-id":
        forceId = true;
        break;
      case "node":
        for (const n of v.split(",").filter(Boolean)) {
          if (!NODE_PATTERN.test(n)) return error(`invalid --node '${n}': a node name, or a prefix ending in * (M1.*)`);
          nodes.push(n.toUpperCase());
        }
        break;
      case "type":
        for (const t of v.split(",").filter(Boolean)) {
          const kind = t.toUpperCase().replace(/:$/, "");
          if (!KINDS.has(kind)) return error(`invalid --type '${t}': one of ${[...KINDS].join(", ")}`);
          types.push(kind);
        }
        break;
    }
  }
  return { action: "run", options: { ...target, nodes, types, plain, forceId } };
}

/** The same server choice as `isis cmd`, so resolveTarget can be reused: the destination is the server itself. */
export function asCmdOptions(o: MonitorOptions, id: string): CmdOptions {
  return {
    instrument: o.instrument,
    host: o.host,
    config: o.config,
    server: o.server,
    id,
    timeoutSeconds: 0,
    verbose: false,
    dest: o.server ?? "IS",
    words: ["MONITOR"],
  };
}

/** A node name of our own, so that two monitors never share one (and never take an agent's). */
export const defaultMonitorId = (pid: number): string => `MON${pid % 100000}`;

const error = (message: string): ParsedMonitorArgs => ({ action: "error", message });
