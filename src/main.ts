// The isis binary: one root command, subcommands loaded lazily, one error
// boundary. Legacy invocations are rewritten here, before citty sees them:
//   isis -d -fFILE   -> isis server -d -f FILE   (service wrappers in the field)
//   isisCmd ARGS     -> isis cmd ARGS            (the symlink operators use)
import { basename } from "node:path";
import { type CommandDef, defineCommand, showUsage } from "citty";
import { parseOptions } from "./commands/_args.ts";
import { UsageError } from "./commands/_shared.ts";
import { VERSION } from "./version.ts";

// biome-ignore lint/suspicious/noExplicitAny: each subcommand declares its own args
const _rDefault = (m: { default: CommandDef<any> }) => m.default;

export const subCommands = {
  server: () => import("./commands/server.ts").then(_rDefault),
  cmd: () => import("./commands/cmd.ts").then(_rDefault),
  monitor: () => import("./commands/monitor.ts").then(_rDefault),
  install: () => import("./commands/install.ts").then(_rDefault),
  uninstall: () => import("./commands/uninstall.ts").then(_rDefault),
  log: () => import("./commands/log.ts").then(_rDefault),
};

export const main = defineCommand({
  meta: { name: "isis", version: VERSION, description: "ISIS message server and tools for IMPv2 instrument agents" },
  subCommands,
});

/** Map the process's name and arguments onto a subcommand's raw arguments. */
export function normalizeArgv(argv0: string, args: string[]): string[] {
  const self = basename(argv0);
  if (self === "isisCmd") return ["cmd", ...args];
  const first = args[0];
  if (first === undefined) return ["server"];
  if (first === "--help" || first === "-h") return args;
  // Bare flags are the old server's command line: `isis -d`, `isis -v`.
  if (first.startsWith("-")) return ["server", ...args];
  return args;
}

async function run(): Promise<void> {
  // Bun puts the compiled binary's path in argv[0] and argv[1]; the name we
  // were invoked under (a symlink such as isisCmd) is in process.argv0.
  const rawArgs = normalizeArgv(process.argv0, process.argv.slice(2));
  if (rawArgs.length === 0 || rawArgs[0] === "--help" || rawArgs[0] === "-h") {
    await showUsage(main);
    return;
  }
  const name = rawArgs[0] as string;
  if (!(name in subCommands)) {
    throw new UsageError(`unknown command '${name}' (try: ${Object.keys(subCommands).join(", ")})`);
  }
  const sub = await subCommands[name as keyof typeof subCommands]();
  const rest = rawArgs.slice(1);
  // `isis cmd` and `isis monitor` parse their own arguments (everything after
  // the destination is the command) and print their own usage.
  if (!sub.args) {
    await sub.run?.({ rawArgs: rest, args: { _: [] }, cmd: sub } as never);
    return;
  }
  if (rest.some((a) => a === "--help" || a === "-h")) {
    await showUsage(sub, main);
    return;
  }
  // The subcommand is dispatched here, not by citty's runCommand: its lenient
  // parser ignored unknown options and crashed on some (see _args.ts).
  const defs = typeof sub.args === "function" ? await sub.args() : await sub.args;
  const args = parseOptions(`isis ${name}`, defs as Parameters<typeof parseOptions>[1], rest);
  await sub.run?.({ rawArgs: rest, args: { ...args, _: [] }, cmd: sub } as never);
}

// One line on stderr, as the journal and scripts want it: `isis: what went wrong`.
// The stack trace only on request (ISIS_DEBUG=1).
run().catch((error: unknown) => {
  const exitCode = error instanceof UsageError ? error.exitCode : 1;
  const detail = error instanceof Error && !(error instanceof UsageError) && process.env.ISIS_DEBUG ? `\n${error.stack}` : "";
  process.stderr.write(`isis: ${error instanceof Error ? error.message : String(error)}${detail}\n`);
  process.exit(exitCode);
});
