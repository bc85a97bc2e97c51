// Strict parsing of a subcommand's declared options (Command.options), in the
// forms the old server's getopt took and the ones users type today:
//   -d  -fFILE  -f FILE  -df FILE  --file FILE  --file=FILE  --dry-run
// Anything not declared, a value that is missing, or a stray word is a
// UsageError naming it, so `isis -D -f x.ini` is refused rather than run as
// something else. (The citty parser this replaced was lenient: it ignored
// unknown options, and a short-option group holding `_` overwrote its
// positional list, the `true is not iterable` crash on
// `-f/home/dts/Config/isis_MODS1.ini`.)
import { UsageError } from "./_shared.ts";

/** The part of an option definition this parser reads. */
export interface OptionDef {
  readonly type?: string;
  readonly alias?: string | readonly string[];
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** Parse `rawArgs` against `defs`; `command` names the command in messages ("isis server"). */
export function parseOptions(command: string, defs: Readonly<Record<string, OptionDef>>, rawArgs: readonly string[]): ParsedOptions {
  const byName = new Map<string, { name: string; takesValue: boolean }>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const entry = { name, takesValue: def.type !== "boolean" };
    byName.set(name, entry);
    const aliases = def.alias === undefined ? [] : typeof def.alias === "string" ? [def.alias] : def.alias;
    for (const alias of aliases) byName.set(alias, entry);
  }
  const fail = (message: string): never => {
    throw new UsageError(`${message} (see ${command} --help)`);
  };
  const out: ParsedOptions = {};

  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "--") {
      if (i + 1 < rawArgs.length) fail(`unexpected argument '${rawArgs[i + 1]}'`);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") fail(`unexpected argument '${arg}'`);
    // A value given as the next word must be a value, not the next option.
    const nextValue = (shown: string): string => {
      const value = rawArgs[i + 1];
      if (value === undefined || (value.startsWith("-") && value !== "-")) return fail(`option '${shown}' needs a value`);
      i++;
      return value;
    };

    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const option = key.length > 1 ? byName.get(key) : undefined;
      if (!option) return fail(`unknown option '${eq === -1 ? arg : arg.slice(0, eq)}'`);
      if (!option.takesValue) {
        if (eq !== -1) fail(`option '--${key}' takes no value`);
        out[option.name] = true;
      } else {
        const value = eq === -1 ? nextValue(arg) : arg.slice(eq + 1);
        if (value === "") fail(`option '--${key}' needs a value`);
        out[option.name] = value;
      }
      continue;
    }

    // One dash: a group of one-letter options; the first that takes a value
    // takes the rest of the word (-fFILE) or, if none is left, the next word.
    for (let c = 1; c < arg.length; c++) {
      const letter = arg.charAt(c);
      const option = byName.get(letter);
      if (!option) return fail(`unknown option '-${letter}'${arg.length > 2 ? ` in '${arg}'` : ""}`);
      if (!option.takesValue) {
        out[option.name] = true;
        continue;
      }
      const attached = arg.slice(c + 1);
      const value = attached === "" ? nextValue(`-${letter}`) : attached.startsWith("=") ? attached.slice(1) : attached;
      if (value === "") fail(`option '-${letter}' needs a value`);
      out[option.name] = value;
      break;
    }
  }
  return out;
}
