// `isis cmd` and its `isisCmd` symlink: send one command, wait for the answer,
// exit 0 on DONE:, 2 on ERROR:/FATAL:/timeout/no instrument, 1 on bad usage.
// Arguments are parsed by src/client/args.ts (see there why).

import { type CmdOptions, parseCmdArgs } from "../client/args.ts";
import { chooseStyle, type OutputStyle, renderDone, renderFailure, renderLine, renderProgress, timeoutText } from "../client/render.ts";
import type { Reply } from "../client/reply.ts";
import { commandText, requestDatagram } from "../client/request.ts";
import { runSession, type SessionEnd } from "../client/session.ts";
import { openStdout, type Stdout } from "../client/stdout.ts";
import { resolveTarget, systemHostname, type Target } from "../client/target.ts";
import { usageText } from "../client/usage.ts";
import { loadInstrument } from "../config/instruments.ts";
import { escapeControls } from "../protocol/escape.ts";
import { oversizeProblem } from "../protocol/message.ts";
import { versionLine } from "../shared/version.ts";
import type { Command } from "./_command.ts";
import { UsageError } from "./_shared.ts";

/** Exit status after Ctrl+C, the shell's 128 + SIGINT. */
const EXIT_INTERRUPTED = 130;

const command: Command = {
  help: usageText,
  async run({ rawArgs, program }) {
    const stdout = openStdout();
    try {
      process.exitCode = await runCmd(rawArgs, program, stdout);
    } finally {
      await stdout.flushed();
    }
  },
};
export default command;

async function runCmd(rawArgs: readonly string[], program: string, stdout: Stdout): Promise<number> {
  const style = chooseStyle(stdout.isTTY, process.env, stdout.columns);
  const write = (text: string): void => stdout.write(text);

  const parsed = parseCmdArgs(rawArgs);
  switch (parsed.action) {
    case "help":
      write(usageText(program));
      return 0;
    case "version":
      write(`${versionLine()}\n`);
      return 0;
    case "usage":
      write(usageText(program));
      return 1;
    case "error":
      if (!parsed.legacy) throw new UsageError(`${parsed.message} (see ${program} --help)`);
      write(renderLine(parsed.message, style, "red"));
      return parsed.exitCode;
  }
  const { options } = parsed;
  const command = commandText(options.words);
  if (command === "") throw new UsageError(`the command for ${options.dest} is empty (see ${program} --help)`);

  const resolved = await resolveTarget(options, { hostname: systemHostname, env: process.env, loadInstrument });
  if (!resolved.ok) {
    if (!resolved.legacy) throw new UsageError(`${resolved.message} (see ${program} --help)`);
    write(renderLine(resolved.message, style, "red"));
    for (const hint of resolved.hints) write(renderLine(hint, style));
    return resolved.exitCode;
  }
  const datagram = requestDatagram(resolved.target.id, options.dest, command);
  // Bun sends a string as UTF-8: that is the size on the wire.
  const oversize = oversizeProblem(Buffer.byteLength(datagram));
  if (oversize) throw new UsageError(`command not sent: ${oversize} (see ${program} --help)`);
  return converse(options, resolved.target, datagram, command, style, write);
}

/** Send, show progress, print the outcome; returns the exit status. */
async function converse(
  options: CmdOptions,
  target: Target,
  datagram: string,
  command: string,
  style: OutputStyle,
  write: (text: string) => void,
): Promise<number> {
  // An agent's bytes never drive the terminal or forge a line a script would match.
  const shown = (reply: Reply): string => escapeControls(options.verbose ? reply.full : reply.body);
  if (options.verbose) write(renderLine(`${target.label}:${options.dest}> ${command}`, style, "green"));

  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.on("SIGINT", onSigint);
  let end: SessionEnd;
  try {
    end = await runSession({
      host: target.host,
      port: target.port,
      datagram,
      conversation: { self: target.id, dest: options.dest, server: target.server, command },
      idleTimeoutMs: options.timeoutSeconds * 1000,
      signal: interrupt.signal,
      onReply(reply) {
        if (reply.kind === "progress") write(renderProgress(shown(reply), style));
        else if (options.verbose) write(renderLine(escapeControls(`(ignored, ${reply.reason}) ${reply.full}`), style));
      },
    });
  } finally {
    process.off("SIGINT", onSigint);
  }

  switch (end.kind) {
    case "answered":
      if (end.reply.kind === "done") {
        write(renderDone(shown(end.reply), style));
        return 0;
      }
      write(renderFailure(shown(end.reply), style));
      return 2;
    case "timeout":
      write(renderFailure(timeoutText(command, String(options.timeoutSeconds)), style));
      return 2;
    case "interrupted":
      write(renderFailure(`Interrupted by Ctrl+C while waiting for ${options.dest}`, style));
      return EXIT_INTERRUPTED;
    case "unreachable":
      write(renderFailure(`ERROR: ${end.message}`, style));
      return 2;
  }
}
