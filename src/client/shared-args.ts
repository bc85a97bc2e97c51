// The command-line pieces `isis cmd` and `isis monitor` share, so that an
// operator spells things the same way in both: option splitting, and
// choosing a server (--mods1, --mods2, -m N, --host HOST[:PORT], --config
// FILE, --server NAME, --id NAME). Pure: what is wrong comes back as a value.

/** The options a command knows: flags, options with a value, and one-letter aliases. */
export interface OptionSpec {
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlySet<string>;
  /** `-t5` is `timeout` with value 5 when short.t is "timeout". */
  readonly short: Readonly<Record<string, string>>;
}

/**
 * `--name`, `--name=value`, `-x`, `-xVALUE`, `-x=VALUE`, and the old
 * client's single-dash long names (`-mods1`, `-timeout 5`; Perl's Getopt::Long
 * accepted those). Undefined for anything that is not a known option.
 */
export function splitOption(arg: string, spec: OptionSpec): { name: string; value?: string } | undefined {
  if (!arg.startsWith("-") || arg === "-" || arg === "--") return undefined;
  const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
  const eq = body.indexOf("=");
  const name = eq === -1 ? body : body.slice(0, eq);
  const attached = eq === -1 ? undefined : body.slice(eq + 1);
  if (spec.flags.has(name)) return attached === undefined ? { name } : undefined;
  if (spec.values.has(name)) return { name, value: attached };
  if (arg.startsWith("--")) return undefined;
  // A short option: one letter, the value may follow directly (-t5, -m=1).
  const long = spec.short[body.charAt(0)];
  if (long === undefined) return undefined;
  const rest = body.slice(1);
  if (spec.flags.has(long)) return rest === "" ? { name: long } : undefined;
  if (rest === "") return { name: long };
  return { name: long, value: rest.startsWith("=") ? rest.slice(1) : rest };
}

export interface TargetOptions {
  /** Instrument section name from --mods1/--mods2/-m N/--instrument NAME, lower case ("mods1"). */
  readonly instrument?: string;
  /** --host HOST[:PORT]: talk to this server directly. */
  readonly host?: { readonly host: string; readonly port?: number };
  /** --config: the instrument table to read instead of the default one. */
  readonly config?: string;
  /** --server: the server's node name, instead of the table's. */
  readonly server?: string;
  /** --id: our node name, instead of the table's. */
  readonly id?: string;
}

/** Server-selection options that take a value, by long name (-m is `mods`). */
export const TARGET_VALUE_OPTIONS: readonly string[] = ["mods", "instrument", "host", "config", "server", "id"];

/** A section of the instrument table: `--instrument lab` for a server that is not MODS1 or MODS2 (a lab or test server). */
const SECTION_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
/** Server-selection options that are flags. */
export const TARGET_FLAG_OPTIONS: readonly string[] = ["mods1", "mods2"];

export type TargetOptionResult =
  /** Not a server-selection option: the caller's own. */
  | { readonly kind: "other" }
  | { readonly kind: "taken" }
  /** -m with something other than 1 or 2; each command words this its own way. */
  | { readonly kind: "bad-instrument"; readonly value: string }
  | { readonly kind: "error"; readonly message: string };

/** TargetOptions being filled in, one option at a time. */
export type TargetOptionsDraft = { -readonly [K in keyof TargetOptions]: TargetOptions[K] };

/** Apply one option (`name` as TARGET_*_OPTIONS spell it) to `target`. */
export function applyTargetOption(target: TargetOptionsDraft, name: string, value: string | undefined): TargetOptionResult {
  switch (name) {
    case "mods1":
    case "mods2":
      target.instrument = name;
      return TAKEN;
    case "mods":
      if (value !== "1" && value !== "2") return { kind: "bad-instrument", value: value ?? "" };
      target.instrument = `mods${value}`;
      return TAKEN;
    case "instrument":
      if (!SECTION_NAME.test(value ?? ""))
        return { kind: "error", message: `invalid --instrument '${value ?? ""}': a section name of the instrument table (letters, digits, '_', '.', '-')` };
      target.instrument = (value as string).toLowerCase();
      return TAKEN;
    case "host": {
      const parsed = parseHostPort(value ?? "");
      if (typeof parsed === "string") return { kind: "error", message: parsed };
      target.host = parsed;
      return TAKEN;
    }
    case "config":
      target.config = value;
      return TAKEN;
    case "server":
      target.server = value;
      return TAKEN;
    case "id":
      target.id = value;
      return TAKEN;
    default:
      return { kind: "other" };
  }
}

const TAKEN: TargetOptionResult = { kind: "taken" };

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

/** One option of a command line that takes no positional words: its long name and value, or what is wrong. */
export type OptionRead = { readonly name: string; readonly value: string | undefined; readonly error?: undefined } | { readonly error: string };

/**
 * The options of `argv` in order (`isis check`, `isis monitor`): those that
 * choose the server go into `target` on the way, the others are yielded.
 * A word that is not an option, an unknown option or a bad value is yielded
 * as an error, and ends the list.
 */
export function* commandOptions(argv: readonly string[], spec: OptionSpec, target: TargetOptionsDraft): Generator<OptionRead> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const split = splitOption(arg, spec);
    if (!split) return yield { error: arg.startsWith("-") ? `unknown option '${arg}'` : `unexpected argument '${arg}'` };
    let value = split.value;
    if (spec.values.has(split.name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return yield { error: `option '${arg}' needs a value` };
    }
    const taken = applyTargetOption(target, split.name, value);
    if (taken.kind === "bad-instrument") return yield { error: `invalid argument '${taken.value}' for -m: must be 1 or 2` };
    if (taken.kind === "error") return yield { error: taken.message };
    if (taken.kind === "other") yield { name: split.name, value };
  }
}

const NODE_PATTERN = /^[A-Za-z0-9._]{1,8}\*?$/;

/** `M1.IE,M1.*`: node names or NAME* prefixes, upper-cased; or what is wrong, naming `option`. */
export function nodePatterns(text: string, option: string, example: string): string[] | string {
  const names = text.split(",").filter(Boolean);
  const bad = names.find((n) => !NODE_PATTERN.test(n));
  if (bad !== undefined) return `invalid ${option} '${bad}': a node name, or a prefix ending in * (${example})`;
  return names.map((n) => n.toUpperCase());
}
