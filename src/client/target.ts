// Where the command goes and who we say we are: from the instrument table
// (--mods1, --mods2, -m N, or the host name), or directly from --host, with
// --id and --server overriding either. Checked before anything is sent.
import { DEFAULT_CLIENT_ID, DEFAULT_ISIS_PORT, DEFAULT_SERVER_ID, type InstrumentResult, instrumentTablePath } from "../config/instruments.ts";
import { nodeNameProblem } from "../protocol/message.ts";
import type { CmdOptions } from "./args.ts";

export interface Target {
  readonly host: string;
  readonly port: number;
  /** The server's node name. */
  readonly server: string;
  /** Our node name. */
  readonly id: string;
  /** What -v shows before the destination: "MODS1", or the host as given. */
  readonly label: string;
}

/** A failure to report: the first line (red on a terminal), then plain hint lines. */
export interface TargetProblem {
  readonly ok: false;
  readonly message: string;
  readonly hints: readonly string[];
  readonly exitCode: 1 | 2;
  /** True: print as the old client did (`** ERROR: ...` on stdout); false: a usage error. */
  readonly legacy: boolean;
}

export type TargetResult = { readonly ok: true; readonly target: Target } | TargetProblem;

export interface TargetDeps {
  /** Asked only when neither an instrument nor --host is given (node:os is not loaded for nothing). */
  readonly hostname: () => string | Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly loadInstrument: (name: string, path: string) => Promise<InstrumentResult>;
}

/** This machine's name, from node:os, loaded on first use. */
export const systemHostname = async (): Promise<string> => (await import("node:os")).hostname();

/** `mods1...` means MODS1 and `mods2...` MODS2, as on the instrument computers; else none. */
export function instrumentFromHostname(hostname: string): string | undefined {
  const match = /^(mods[12])/i.exec(hostname);
  return match ? (match[1] as string).toLowerCase() : undefined;
}

export const NO_INSTRUMENT: TargetProblem = {
  ok: false,
  message: "** ERROR: You did not specify which MODS Instrument to use",
  hints: [
    "            --mods1 = send command to MODS1 (alias: -m 1)",
    "            --mods2 = send command to MODS2 (alias: -m 2)",
    "            --host HOST[:PORT] = send through any ISIS server",
  ],
  exitCode: 2,
  legacy: true,
};

export async function resolveTarget(options: CmdOptions, deps: TargetDeps): Promise<TargetResult> {
  const nameProblem =
    problem("destination", options.dest) ??
    (options.id === undefined ? undefined : problem("--id", options.id)) ??
    (options.server === undefined ? undefined : problem("--server", options.server));
  if (nameProblem) return usage(nameProblem);

  const instrument = options.instrument ?? (options.host ? undefined : instrumentFromHostname(await deps.hostname()));
  let base: Target;
  if (instrument !== undefined) {
    const found = await deps.loadInstrument(instrument, instrumentTablePath(options.config, deps.env));
    if (!found.ok) return { ok: false, message: `** ERROR: ${found.message}`, hints: [], exitCode: 2, legacy: true };
    const { host, port, server, id } = found.instrument;
    base = { host, port, server, id, label: instrument.toUpperCase() };
  } else if (options.host) {
    base = { host: options.host.host, port: DEFAULT_ISIS_PORT, server: DEFAULT_SERVER_ID, id: DEFAULT_CLIENT_ID, label: options.host.host };
  } else {
    return NO_INSTRUMENT;
  }
  return {
    ok: true,
    target: {
      host: options.host?.host ?? base.host,
      port: options.host?.port ?? (options.host ? DEFAULT_ISIS_PORT : base.port),
      server: options.server ?? base.server,
      id: options.id ?? base.id,
      label: base.label,
    },
  };
}

function problem(what: string, name: string): string | undefined {
  const why = nodeNameProblem(name);
  return why === undefined ? undefined : `invalid ${what}: ${why}`;
}

const usage = (message: string): TargetProblem => ({ ok: false, message, hints: [], exitCode: 1, legacy: false });
