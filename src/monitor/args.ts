// The command line of `isis monitor`. Pure: errors come back as values.
// Server selection is spelled as for `isis cmd` (--mods1, -m N, --host,
// --config, --server, --id) so that operators need learn nothing new.
import type { CmdOptions } from "../client/args.ts";
import { parseHostPort } from "../client/args.ts";
import { BODY_KINDS } from "../protocol/body-kind.ts";

export interface MonitorOptions {
  readonly instrument?: string;
  readonly host?: { readonly host: string; readonly port?: number };
  readonly config?: string;
  readonly server?: string;
  /** Our node name; undefined: one made up from the process id (MONnnnnn). */
  readonly id?: string;
  /** Node names or NAME* prefixes to watch; empty: all. */
  readonly nodes: readonly string[];
  /** Message kinds to watch (REQ, DONE, ...); empty: all. */
  readonly types: readonly string[];
  /** Line output even on a terminal. */
  readonly plain: boolean;
}

export type ParsedMonitorArgs =
  | { readonly action: "help" }
  | { readonly action: "run"; readonly options: MonitorOptions }
  | { readonly action: "error"; readonly message: string };

const VALUE_OPTIONS = new Set(["mods", "host", "config", "server", "id", "node", "type"]);
const FLAG_OPTIONS = new Set(["mods1", "mods2", "plain", "help"]);
const KINDS: ReadonlySet<string> = new Set([...BODY_KINDS, "BAD"]);
const NODE_PATTERN = /^[A-Za-z0-9._]{1,8}\*?$/;

export function parseMonitorArgs(argv: readonly string[]): ParsedMonitorArgs {
  let instrument: string | undefined;
  let host: MonitorOptions["host"];
  let config: string | undefined;
  let server: string | undefined;
  let id: string | undefined;
  let plain = false;
  const nodes: string[] = [];
  const types: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const split = splitOption(arg);
    if (!split) return error(arg.startsWith("-") ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    let value = split.value;
    if (VALUE_OPTIONS.has(split.name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return error(`option '${arg}' needs a value`);
    }
    const v = value as string;
    switch (split.name) {
      case "help":
        return { action: "help" };
      case "mods1":
      case "mods2":
        instrument = split.name;
        break;
      case "mods":
        if (v !== "1" && v !== "2") return error(`invalid argument '${v}' for -m: must be 1 or 2`);
        instrument = `mods${v}`;
        break;
      case "host": {
        const parsed = parseHostPort(v);
        if (typeof parsed === "string") return error(parsed);
        host = parsed;
        break;
      }
      case "config":
        config = v;
        break;
      case "server":
        server = v;
        break;
      case "id":
        id = v;
        break;
      case "plain":
        plain = true;
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
  return { action: "run", options: { instrument, host, config, server, id, nodes, types, plain } };
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

function splitOption(arg: string): { name: string; value?: string } | undefined {
  if (!arg.startsWith("-") || arg === "-" || arg === "--") return undefined;
  const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
  const eq = body.indexOf("=");
  const name = eq === -1 ? body : body.slice(0, eq);
  const attached = eq === -1 ? undefined : body.slice(eq + 1);
  if (FLAG_OPTIONS.has(name)) return attached === undefined ? { name } : undefined;
  if (VALUE_OPTIONS.has(name)) return { name, value: attached };
  if (arg.startsWith("--")) return undefined;
  // -m N, -m2, -h
  if (body === "h") return { name: "help" };
  if (body.startsWith("m")) return body.length === 1 ? { name: "mods" } : { name: "mods", value: body.slice(1).replace(/^=/, "") };
  return undefined;
}

const error = (message: string): ParsedMonitorArgs => ({ action: "error", message });
