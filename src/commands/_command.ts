// What a subcommand is, and the help text of one that declares its options.
// Help is plain text, always: it goes to terminals, files and `less` alike,
// and a script that greps it must not meet colour codes.
import type { OptionDef, ParsedOptions } from "./_args.ts";

/** An option as the help shows it: its long name, a one-letter alias, the value it takes. */
export interface DescribedOption extends OptionDef {
  readonly type: "boolean" | "string";
  readonly valueHint?: string;
  readonly description: string;
}

export type OptionDefs = Readonly<Record<string, DescribedOption>>;

export interface Command {
  /**
   * Options parsed strictly by main.ts (`--help` and `--version` are added
   * there). Absent: the command parses its own raw arguments (`isis cmd`,
   * `isis monitor`) and prints its own help.
   */
  readonly options?: OptionDefs;
  /** The help text; for a command with `options`, usually renderHelp's. */
  help(program: string): string;
  run(input: CommandInput): Promise<void>;
}

export interface CommandInput {
  /** How the user named the command, for messages and help: `isis cmd`, or `isisCmd` through the symlink. */
  readonly program: string;
  /** The arguments after the command's name, as given. */
  readonly rawArgs: readonly string[];
  /** What parseOptions made of them (empty for a command that parses its own). */
  readonly options: ParsedOptions;
}

/** The options every command with declared options understands. */
export const COMMON_OPTIONS: OptionDefs = {
  help: { type: "boolean", alias: "h", description: "Print this help and exit" },
  version: { type: "boolean", description: "Print the version and exit" },
};

export interface HelpSpec {
  /** One or more synopsis lines, without "Usage: ". */
  readonly usage: readonly string[];
  readonly description: string;
  readonly options: OptionDefs;
  /** Paragraphs after the options. */
  readonly notes?: readonly string[];
}

/** Usage, description, one line per option (aliases first, value hint after), notes. */
export function renderHelp(spec: HelpSpec): string {
  const rows = Object.entries({ ...spec.options, ...withoutShadowed(COMMON_OPTIONS, spec.options) }).map(([name, def]) => {
    const aliases = def.alias === undefined ? [] : typeof def.alias === "string" ? [def.alias] : [...def.alias];
    const spelled = [...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${name}`].join(", ");
    return [def.type === "string" ? `${spelled} ${def.valueHint ?? "VALUE"}` : spelled, def.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const [first, ...more] = spec.usage;
  return [
    "",
    `Usage: ${first}`,
    ...more.map((line) => `       ${line}`),
    "",
    spec.description,
    "",
    "Options:",
    ...rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`),
    ...(spec.notes ?? []).flatMap((note) => ["", note]),
    "",
  ].join("\n");
}

/** The common options a command does not declare itself (server's own --version keeps its -v). */
function withoutShadowed(common: OptionDefs, own: OptionDefs): OptionDefs {
  return Object.fromEntries(Object.entries(common).filter(([name]) => !(name in own)));
}
