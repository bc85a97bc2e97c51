// The client's instrument table: which ISIS server `--mods1` / `-m 2` mean.
// An INI file (read with the `ini` package), not code, so that a new
// instrument computer or address needs no new build:
//
//   [mods1]
//   host = 192.0.2.10      ; the ISIS server's address
//   port = 6600            ; its UDP port        (default 6600)
//   server = IS            ; its node name       (default IS)
//   id = IPC1              ; the client's own node name (default ISISCMD)
//
// findInstrument() is pure; loadInstrument() is the only function that reads disk.
import { parse } from "ini";
import { nodeNameProblem } from "../protocol/message.ts";
import { readSmallFile } from "../shared/read-file.ts";

export const DEFAULT_INSTRUMENTS_PATH = "/etc/isis/instruments.ini";
/** Environment variable naming the table; `--config FILE` beats it. */
export const INSTRUMENTS_ENV = "ISIS_INSTRUMENTS";
export const DEFAULT_ISIS_PORT = 6600;
export const DEFAULT_SERVER_ID = "IS";
/** The client's node name when neither the table nor --id gives one: says what it is in the server's host table. */
export const DEFAULT_CLIENT_ID = "ISISCMD";

export interface Instrument {
  /** Section name, lower case: "mods1". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly server: string;
  readonly id: string;
}

export type InstrumentResult = { readonly ok: true; readonly instrument: Instrument } | { readonly ok: false; readonly message: string };

/** The table's path: --config, else $ISIS_INSTRUMENTS, else the installed default. */
export function instrumentTablePath(configFlag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return configFlag || env[INSTRUMENTS_ENV] || DEFAULT_INSTRUMENTS_PATH;
}

/** Find and check one instrument's section in the table's text. `path` is for messages. */
export function findInstrument(text: string, name: string, path: string): InstrumentResult {
  const wanted = name.toLowerCase();
  const sections = parse(text) as Record<string, unknown>;
  const key = Object.keys(sections).find((k) => k.toLowerCase() === wanted);
  const section = key === undefined ? undefined : sections[key];
  if (section === undefined || typeof section !== "object" || section === null) {
    return fail(`instrument '${wanted}' is not in ${path} (it has no [${wanted}] section)`);
  }
  const field = (k: string): string | undefined => {
    const entry = Object.entries(section).find(([fk]) => fk.toLowerCase() === k);
    return typeof entry?.[1] === "string" ? entry[1].trim() : undefined;
  };
  const where = `[${wanted}] in ${path}`;
  const host = field("host");
  if (!host) return fail(`${where} has no host`);
  const portText = field("port") ?? String(DEFAULT_ISIS_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return fail(`${where}: port '${portText}' is not a number from 1 to 65535`);
  const server = field("server") || DEFAULT_SERVER_ID;
  const id = field("id") || DEFAULT_CLIENT_ID;
  const nameProblem = nodeNameProblem(server) ?? nodeNameProblem(id);
  if (nameProblem) return fail(`${where}: ${nameProblem}`);
  return { ok: true, instrument: { name: wanted, host, port, server, id } };
}

/** Read the table at `path` and find one instrument; a missing or unreadable file is an error naming it. */
export async function loadInstrument(name: string, path: string): Promise<InstrumentResult> {
  // A regular file, at most a megabyte, within 5 s: a FIFO or a hung mount must not hang `isis cmd`.
  const read = await readSmallFile(path);
  if (!read.ok) return fail(`cannot read the instrument table ${path}: ${read.reason} (give one with --config FILE or ${INSTRUMENTS_ENV}, or use --host)`);
  return findInstrument(new TextDecoder().decode(read.bytes), name, path);
}

const fail = (message: string): InstrumentResult => ({ ok: false, message });
