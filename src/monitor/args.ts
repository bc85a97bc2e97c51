// The command line of `isis monitor`. Pure: errors come back as values.
// Server selection is spelled as for `isis cmd` (--mods1, -m N, --host,
// --config, --server, --id) so that operators need learn nothing new.
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

export function parseMonitorArgs(argv: readonly string[]): ParsedMonitorArgs {
  const target: TargetOptionsDraft = {};
  let plain = false;
  let forceId = false;
  const nodes: string[] = [];
  const types: string[] = [];
  for (const option of commandOptions(argv, OPTIONS, target)) {
    if (option.error !== undefined) return error(option.error);
    const v = option.value as string;
    switch (option.name) {
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
      case "node": {
        const names = nodePatterns(v, "--node", "M1.*");
        if (typeof names === "string") return error(names);
        nodes.push(...names);
        break;
      }
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

/** The server to watch, chosen as `isis cmd` chooses it (no timeout: a monitor waits). */
export const asCmdOptions = (o: MonitorOptions, id: string): CmdOptions => serverItself(o, id, "MONITOR", 0);

/** A node name of our own, so that two monitors never share one (and never take an agent's). */
export const defaultMonitorId = (pid: number): string => `MON${pid % 100000}`;

const error = (message: string): ParsedMonitorArgs => ({ action: "error", message });
