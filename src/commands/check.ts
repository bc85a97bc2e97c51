// `isis check`: is the server healthy? One line and the exit status of a
// monitoring plugin (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), for Nagios,
// Icinga and cron. Asks STATUS (no answer: CRITICAL), LIVENESS and STATS
// under a node name of its own, which it removes again.
import { asCmdOptions, type CheckOptions, defaultCheckId, parseCheckArgs } from "../check/args.ts";
import { checkUsage } from "../check/usage.ts";
import { type Asked, type CheckInput, say, UNKNOWN, type Verdict, verdict } from "../check/verdict.ts";
import { requestDatagram } from "../client/request.ts";
import { runSession } from "../client/session.ts";
import { resolveTarget, systemHostname, type Target } from "../client/target.ts";
import { loadInstrument } from "../config/instruments.ts";
import { versionLine } from "../shared/version.ts";
import type { Command } from "./_command.ts";

/** LIVENESS pages asked for at most (32 clients fit in two). */
const MAX_PAGES = 8;

const command: Command = {
  help: checkUsage,
  async run({ rawArgs }) {
    const parsed = parseCheckArgs(rawArgs);
    if (parsed.action === "help") return void process.stdout.write(checkUsage());
    if (parsed.action === "version") return void process.stdout.write(`${versionLine()}\n`);
    // Whatever goes wrong is still a plugin's answer: UNKNOWN (3), never main's exit 1, which reads as WARNING.
    const result =
      parsed.action === "error"
        ? say(UNKNOWN, `${parsed.message} (see isis check --help)`)
        : await check(parsed.options).catch((error: unknown) => say(UNKNOWN, `isis check failed: ${error instanceof Error ? error.message : String(error)}`));
    process.stdout.write(`${result.line}\n`);
    process.exitCode = result.state;
  },
};
export default command;

async function check(options: CheckOptions): Promise<Verdict> {
  const self = options.id ?? defaultCheckId(process.pid);
  const resolved = await resolveTarget(asCmdOptions(options, self), { hostname: systemHostname, env: process.env, loadInstrument });
  if (!resolved.ok) return say(UNKNOWN, `${resolved.message.replace(/^\*\* ERROR: /, "")} (see isis check --help)`);
  const target = resolved.target;
  const ask = asker(target, options.timeoutSeconds * 1000);
  const input: CheckInput = {
    server: target.server.toUpperCase(),
    where: `${target.host}:${target.port}`,
    self: target.id,
    ignore: options.ignore,
    status: await ask("STATUS"),
  };
  if (input.status.kind === "silent") return verdict(input);
  const liveness: Asked[] = [];
  for (let next: string | undefined = "LIVENESS"; next && liveness.length < MAX_PAGES; ) {
    const page = await ask(next);
    liveness.push(page);
    const more = page.kind === "answer" ? /\bnext=(\d+)\b/.exec(page.body) : null;
    next = more ? `LIVENESS FROM ${more[1]}` : undefined;
  }
  const stats = await ask("STATS");
  // The log went down between the two answers: STATS only counts, so STATUS again says why.
  const status = logWentDown(input.status, stats) ? await ask("STATUS") : input.status;
  // A name of our own making is removed; one the operator gave is theirs to keep.
  if (options.id === undefined) await ask(`REMOVE ${self}`);
  return verdict({ ...input, status: status.kind === "answer" ? status : input.status, liveness, stats });
}

/** STATS says the runtime log is down, and the STATUS asked before it did not. */
const logWentDown = (status: Asked, stats: Asked): boolean =>
  status.kind === "answer" && !/\bLogDown=/.test(status.body) && stats.kind === "answer" && /\blogDown=[1-9]/.test(stats.body);

/** Ask the server one command as our node name; every answer ends the wait, none within timeoutMs is a silence. */
function asker(target: Target, timeoutMs: number): (command: string) => Promise<Asked> {
  return async (command) => {
    const end = await runSession({
      host: target.host,
      port: target.port,
      datagram: requestDatagram(target.id, target.server, command),
      conversation: { self: target.id, dest: target.server, server: target.server, command },
      idleTimeoutMs: timeoutMs,
      onReply() {},
    });
    switch (end.kind) {
      case "answered":
        return { kind: "answer", body: end.reply.body };
      case "timeout":
        return { kind: "silent", why: `nothing within ${timeoutMs / 1000} s` };
      case "interrupted":
        return { kind: "silent", why: "interrupted" };
      case "unreachable":
        return { kind: "silent", why: end.message };
    }
  };
}
