// `isis log summary|grep`: what happened in the runtime log, from the
// command line. Exit 0; 1 on bad usage or an unreadable config file; 2 when
// a log file the range needs is not there (a wrong ServerLog or date).
import { access } from "node:fs/promises";
import { DEFAULT_CONFIG_PATH, EMBEDDED_CONFIG_TEXT, loadServerConfig, parseServerConfig, type ServerConfig } from "../config/server-config.ts";
import { formatLine, GREP_TYPES, jsonLine } from "../forensics/grep.ts";
import { grep, type LogQuery, missingFile, selectFiles, summarize } from "../forensics/night.ts";
import { parseNight, parseTime } from "../forensics/range.ts";
import { renderSummary, styleFor } from "../forensics/render.ts";
import { type OptionDef, parseOptions } from "./_args.ts";
import type { Command } from "./_command.ts";
import { UsageError } from "./_shared.ts";

const COMMON: Record<string, OptionDef> = {
  night: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  log: { type: "string" },
  file: { type: "string", alias: "f" },
  json: { type: "boolean" },
};

const GREP: Record<string, OptionDef> = { ...COMMON, node: { type: "string" }, type: { type: "string" }, follow: { type: "boolean", alias: "F" } };

const USAGE = `usage: isis log summary [--night DATE | --since T [--until T]] [--log ROOT] [-f FILE] [--json]
       isis log grep [--node NAMES] [--type TYPES] [--night DATE | --since T [--until T]] [--follow]
                     [--log ROOT] [-f FILE] [--json]

  summary   clients seen and their silences, server starts and restarts, commands
            per destination (count, errors, late, unanswered, latency), top errors,
            refused and malformed input, floods, traffic per 10 minutes
  grep      the matching log lines in time order; --follow keeps reading the live
            file as it grows, across the day rollover (Ctrl+C ends it)

  --night DATE    an observing day's file: 2025-09-15, 20250915, today, yesterday
                  (default: the current one; noon to noon local, or the UTC day with LogDate UTC)
  --since T, --until T
                  UTC like the log: 2025-09-15T22:00, 22:00 (last time it was), 2h (ago), now
  --node NAMES    sender or destination, comma-separated; M1.* matches a prefix
  --type TYPES    comma-separated: ${GREP_TYPES.join(" ")}
  --log ROOT      log files are ROOT.CCYYMMDD.log (default: the config's ServerLog)
  -f FILE         the server's config file (default ${DEFAULT_CONFIG_PATH}, as the server)
  --json          summary: one JSON document; grep: one JSON object per line
`;

// `isis log` parses its own arguments: the options depend on the action word.
const command: Command = {
  help: () => USAGE,
  async run({ rawArgs }) {
    process.exitCode = await runLog(rawArgs);
  },
};
export default command;

async function runLog(rawArgs: readonly string[]): Promise<number> {
  const [action, ...rest] = rawArgs;
  if (action === undefined || action === "--help" || action === "-h" || rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(USAGE);
    return action === undefined ? 1 : 0;
  }
  if (action !== "summary" && action !== "grep") throw new UsageError(`unknown action '${action}': summary or grep (see isis log --help)`);
  const defs = action === "grep" ? GREP : COMMON;
  const args = parseOptions(`isis log ${action}`, defs, rest);
  for (const name of ["node", "type"]) {
    if (rest.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`)).length > 1) usage(action, `give --${name} once, names separated by commas`);
  }
  const now = Date.now();
  const config = await chooseConfig(str(args.file));
  const utc = config.logDateUtc;
  const night = str(args.night);
  const since = time(action, str(args.since), now);
  const until = time(action, str(args.until), now);
  if (night !== undefined && (since !== undefined || until !== undefined)) usage(action, "give --night or --since/--until, not both");
  if (since !== undefined && until !== undefined && until < since) usage(action, "--until is before --since");
  const nightKey = night === undefined ? undefined : parseNight(night, now, utc);
  if (nightKey && !nightKey.ok) usage(action, nightKey.message);
  const query: LogQuery = {
    root: str(args.log) ?? config.serverLog,
    utc,
    serverId: config.serverId,
    staleAfterMs: config.staleAfterSec * 1000,
    commandTimeoutMs: config.commandTimeoutSec * 1000,
    night: nightKey?.ok ? nightKey.value : undefined,
    since,
    until,
    now,
  };
  const style = styleFor(process.stdout.isTTY, process.env);
  // `isis log grep ... | head`: once the reader has gone, stop quietly, as grep does.
  const controller = new AbortController();
  const write = (text: string) => {
    if (controller.signal.aborted) return;
    try {
      process.stdout.write(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw error;
      controller.abort();
    }
  };
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") controller.abort();
  });

  if (action === "summary") {
    const selection = await selectFiles(query);
    const missing = await missingFile(selection.files);
    if (missing !== undefined || selection.files.length === 0) return noLog(missing ?? `${query.root}.*.log between --since and --until`);
    const summary = await summarize(query, selection);
    write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, style));
    return 0;
  }

  const follow = args.follow === true;
  if (follow && until !== undefined) usage(action, "--follow reads on from now: no --until");
  const types = list(str(args.type)).map((t) => t.toLowerCase());
  const unknown = types.filter((t) => !GREP_TYPES.includes(t));
  if (unknown.length > 0) usage(action, `unknown type '${unknown.join(",")}' (types: ${GREP_TYPES.join(" ")})`);
  // Following with no range given: only what is written from now on, as `tail -f`.
  const fromNow = follow && night === undefined && since === undefined;
  const selection = fromNow ? { files: [], end: now, night: undefined } : await selectFiles(query);
  if (!follow) {
    const missing = await missingFile(selection.files);
    if (missing !== undefined) return noLog(missing);
  }
  const stop = () => controller.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const filter = { nodes: list(str(args.node)).map((n) => n.toUpperCase()), types: new Set(types), since, until };
    await grep(query, selection, { filter, follow, signal: controller.signal }, (entry) =>
      write(`${args.json ? jsonLine(entry) : formatLine(entry, style)}\n`),
    );
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);

const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

function usage(action: string, message: string): never {
  throw new UsageError(`${message} (see isis log ${action} --help)`);
}

function time(action: string, text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseTime(text, now);
  if (!parsed.ok) usage(action, parsed.message);
  return parsed.value;
}

function noLog(what: string): number {
  process.stderr.write(`isis log: no runtime log ${what} (is ServerLog right? give --log ROOT or -f FILE)\n`);
  return 2;
}

/** As the server chooses: an explicit -f must be readable and valid; the default path may be absent (then the embedded default). */
async function chooseConfig(file: string | undefined): Promise<ServerConfig> {
  const path = file ?? DEFAULT_CONFIG_PATH;
  if (
    file === undefined &&
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    return parseServerConfig(EMBEDDED_CONFIG_TEXT).config;
  const loaded = await loadServerConfig(path);
  if (!loaded.ok) throw new UsageError(loaded.reason);
  return loaded.config;
}
