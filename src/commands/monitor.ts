// `isis monitor`: watch a server live (traffic, clients, commands in flight).
// Exit 0 when the operator quits, 2 when the server refuses to be watched or
// cannot be reached, 1 on bad usage. Arguments are parsed by
// src/monitor/args.ts; the server is chosen as `isis cmd` chooses it.
import { resolveTarget, systemHostname } from "../client/target.ts";
import { loadInstrument } from "../config/instruments.ts";
import { asCmdOptions, defaultMonitorId, parseMonitorArgs } from "../monitor/args.ts";
import { MonitorLink } from "../monitor/link.ts";
import { checkNameFree } from "../monitor/name-check.ts";
import { type MonitorOutput, PlainOutput, ScreenOutput } from "../monitor/screen.ts";
import { MonitorSession } from "../monitor/session.ts";
import { monitorUsage } from "../monitor/usage.ts";
import { versionLine } from "../shared/version.ts";
import type { Command } from "./_command.ts";
import { UsageError } from "./_shared.ts";

const command: Command = {
  help: monitorUsage,
  async run({ rawArgs }) {
    process.exitCode = await runMonitor(rawArgs);
  },
};
export default command;

async function runMonitor(rawArgs: readonly string[]): Promise<number> {
  const parsed = parseMonitorArgs(rawArgs);
  if (parsed.action === "help") {
    process.stdout.write(monitorUsage());
    return 0;
  }
  if (parsed.action === "version") {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (parsed.action === "error") throw new UsageError(`${parsed.message} (see isis monitor --help)`);
  const { options } = parsed;
  const id = options.id ?? defaultMonitorId(process.pid);
  const resolved = await resolveTarget(asCmdOptions(options, id), { hostname: systemHostname, env: process.env, loadInstrument });
  if (!resolved.ok) {
    const message = resolved.message.replace(/^\*\* ERROR: /, "");
    throw new UsageError(`${message} (see isis monitor --help)`, resolved.exitCode);
  }
  const target = resolved.target;
  // A name of the operator's choosing must not be an agent's: we would take its route.
  if (options.id !== undefined && !options.forceId) {
    const check = await checkNameFree(target, options.id, defaultMonitorId(process.pid));
    if (!check.ok) throw new UsageError(check.message, check.exitCode);
  }

  let session: MonitorSession | undefined;
  const quit = () => session?.quit();
  const terminal = !options.plain && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const words = [options.nodes.length ? `NODE ${options.nodes.join(",")}` : "", options.types.length ? `TYPE ${options.types.join(",")}` : ""];

  const opened = await MonitorLink.open(target.host, target.port, (text) => session?.receive(text));
  if (!opened.ok) {
    process.stderr.write(`isis monitor: ${opened.message}\n`);
    return 2;
  }
  const output: MonitorOutput = terminal
    ? new ScreenOutput(process.stdout, process.stdin, process.stderr, quit)
    : new PlainOutput(process.stdout, process.stderr);
  // The screen must be given back however we leave.
  const restore = () => output.close();
  process.on("exit", restore);
  session = new MonitorSession({
    target,
    filterWords: words.filter(Boolean).join(" "),
    filterLabel: `node=${options.nodes.join(",") || "*"} type=${options.types.join(",") || "*"}`,
    // Ours to remove unless the operator forced an agent's name.
    removeOnExit: !options.forceId,
    output,
    clock: Date.now,
  });
  process.on("SIGINT", quit);
  process.on("SIGTERM", quit);
  try {
    return await session.run(opened.link);
  } finally {
    process.off("SIGINT", quit);
    process.off("SIGTERM", quit);
    process.off("exit", restore);
    opened.link.close();
  }
}
