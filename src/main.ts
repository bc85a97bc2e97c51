// The isis binary: a table of subcommands, each loaded only when it runs
// (script/build.ts splits them into chunks, so `isis cmd` never loads the
// server), and the one error boundary. Legacy invocations are mapped here:
//   isis -d -fFILE   -> isis server -d -fFILE   (service wrappers in the field)
//   isisCmd ARGS     -> isis cmd ARGS           (the symlink operators use)
import { parseOptions } from "./commands/_args.ts";
import { COMMON_OPTIONS, type Command } from "./commands/_command.ts";
import { UsageError } from "./commands/_shared.ts";
import { versionLine } from "./shared/version.ts";

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<{ default: Command }>;
}

const COMMANDS: Readonly<Record<string, Entry>> = {
  server: { summary: "run the ISIS message server (the default: `isis -d -f FILE`)", load: () => import("./commands/server.ts") },
  cmd: { summary: "send one command through a server and wait for its answer (also as isisCmd)", load: () => import("./commands/cmd.ts") },
  monitor: { summary: "watch a server live: traffic, clients, commands in flight", load: () => import("./commands/monitor.ts") },
  install: { summary: "install isis as a systemd service (as root)", load: () => import("./commands/install.ts") },
  uninstall: { summary: "remove the service and binary, keep config and logs (as root)", load: () => import("./commands/uninstall.ts") },
  log: { summary: "what happened last night: summarise or search the runtime log", load: () => import("./commands/log.ts") },
  check: { summary: "check a server's health as a monitoring plugin (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)", load: () => import("./commands/check.ts") },
};

const topHelp = (): string => {
  const names = [...Object.keys(COMMANDS), "help"];
  const width = Math.max(...names.map((n) => n.length));
  const summaries: Record<string, string> = {
    ...Object.fromEntries(Object.entries(COMMANDS).map(([n, e]) => [n, e.summary])),
    help: "print a command's help: isis help COMMAND",
  };
  return [
    "",
    "Usage: isis COMMAND [options]",
    "       isis [-d] [-f FILE]      the server, as the old isis was started (-fFILE too)",
    "",
    "ISIS message server and tools for IMPv2 instrument agents.",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)}  ${summaries[n]}`),
    "",
    "Options:",
    "  -h, --help     print this help",
    "  -v, --version  print the version",
    "",
    "Every command takes --help and --version. Exit status 1: bad usage.",
    "",
  ].join("\n");
};

/** Map the process's name and arguments onto `[command, ...its arguments]`. */
function normalizeArgv(argv0: string, args: readonly string[]): string[] {
  if (invokedAs(argv0) === "isisCmd") return ["cmd", ...args];
  const first = args[0];
  if (first === undefined) return ["server"];
  if (first === "--help" || first === "-h") return ["help", ...args.slice(1)];
  // Bare flags are the old server's command line: `isis -d`, `isis -v`.
  if (first.startsWith("-")) return ["server", ...args];
  return [...args];
}

const write = (text: string): void => void process.stdout.write(text);

/** The file name we were run under (node:path's basename, without loading node:path at every start). */
const invokedAs = (argv0: string): string => argv0.slice(argv0.lastIndexOf("/") + 1);

async function load(name: string): Promise<Command> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(", ")}; see isis help)`);
  return (await entry.load()).default;
}

async function help(args: readonly string[]): Promise<void> {
  const [name, extra] = args;
  if (name === undefined) return write(topHelp());
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' (usage: isis help [COMMAND])`);
  if (name === "--version") return write(`${versionLine()}\n`);
  if (name === "help") return write(topHelp());
  write((await load(name)).help(`isis ${name}`));
}

async function run(): Promise<void> {
  // Bun puts the compiled binary's path in argv[0] and argv[1]; the name we
  // were invoked under (a symlink such as isisCmd) is in process.argv0.
  const [name = "server", ...rest] = normalizeArgv(process.argv0, process.argv.slice(2));
  if (name === "help") return help(rest);
  const command = await load(name);
  const program = name === "cmd" && invokedAs(process.argv0) === "isisCmd" ? "isisCmd" : `isis ${name}`;
  // `isis cmd` and `isis monitor` parse their own arguments (everything
  // after cmd's destination is the command) and answer --help themselves.
  if (!command.options) return command.run({ program, rawArgs: rest, options: {} });
  const end = rest.indexOf("--");
  if ((end === -1 ? rest : rest.slice(0, end)).some((a) => a === "--help" || a === "-h")) return write(command.help(program));
  const options = parseOptions(program, { ...COMMON_OPTIONS, ...command.options }, rest);
  if (options.version) return write(`${versionLine()}\n`);
  await command.run({ program, rawArgs: rest, options });
}

// One line on stderr, as the journal and scripts want it: `isis: what went wrong`.
// The stack trace only on request (ISIS_DEBUG=1).
run().catch(async (error: unknown) => {
  const exitCode = error instanceof UsageError ? error.exitCode : 1;
  const detail = error instanceof Error && !(error instanceof UsageError) && process.env.ISIS_DEBUG ? `\n${error.stack}` : "";
  const text = `isis: ${error instanceof Error ? error.message : String(error)}${detail}`;
  // Under systemd stderr goes to the journal too: there the line is an error
  // (`journalctl -p err` shows why the service did not start).
  const journal = process.env.JOURNAL_STREAM ? await import("./server/journal.ts") : undefined;
  process.stderr.write(journal?.isJournalStream(2, process.env.JOURNAL_STREAM) ? journal.journalEntry("error", text, true, 0) : `${text}\n`);
  process.exit(exitCode);
});
