// `isis server [-d] [-f FILE] [-v]` — and the legacy `isis -d -fFILE`, which
// main.ts maps onto this command. What the server takes from its environment
// (systemd's variables, the switches for its I/O paths, the user) is read
// here and nowhere below: the server gets it as options.
import { access } from "node:fs/promises";
import { userInfo } from "node:os";
import { DEFAULT_CONFIG_PATH, EMBEDDED_CONFIG_TEXT, formatProblems, loadServerConfig, parseServerConfig, type ServerConfig } from "../config/server-config.ts";
import { IsisServer, type ServerEnvironment } from "../server/isis-server.ts";
import { isJournalStream, type Journal, journalFlushed, stdoutJournal } from "../server/journal.ts";
import { SystemdNotifier } from "../server/sd-notify.ts";
import { VERSION } from "../shared/version.ts";
import { type Command, type OptionDefs, renderHelp } from "./_command.ts";
import { UsageError } from "./_shared.ts";

const options = {
  daemon: { type: "boolean", alias: "d", description: "Daemon mode: no console, lines for the journal on stdout" },
  file: { type: "string", alias: "f", valueHint: "FILE", description: `Runtime config file (default ${DEFAULT_CONFIG_PATH})` },
  version: { type: "boolean", alias: "v", description: "Print the version and exit" },
} as const satisfies OptionDefs;

const command: Command = {
  options,
  help: (program) =>
    renderHelp({
      usage: [`${program} [-d] [-f FILE]`, "isis [-d] [-f FILE]       (the old server's command line; -fFILE too)"],
      description: "Runs the ISIS message server: with a console on the terminal, or with -d as a\ndaemon (for systemd).",
      options,
      notes: [
        "The old server's form is accepted as it was: `isis -d -f/home/dts/Config/isis_MODS1.ini`\n" +
          "(the value may be joined to -f) and `isis -v`. With no -f and no file at the default\n" +
          "path, the server runs on an embedded default config (ServerID IS, port 6600).",
        "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the config file.",
      ],
    }),
  async run({ options: args }) {
    const daemon = args.daemon === true;
    const con = daemon ? undefined : (await import("../console/index.ts")).createConsole();
    // The console shows every line alike; the journal ranks them.
    const journal: Journal = con ? (_priority, text) => con.print(text) : stdoutJournal(isJournalStream(1, process.env.JOURNAL_STREAM));
    const chosen = await chooseConfig(typeof args.file === "string" ? args.file : undefined, journal);
    if (daemon) journal("info", `ISIS server version ${VERSION} started in daemon mode`);

    // Signals are wired before the socket is bound, so a SIGTERM that races
    // the start still ends in a clean stop rather than the default kill.
    let server: IsisServer | undefined;
    let pendingStop: string | undefined;
    const stop = (signal: string): void => {
      if (server) void server.stop(signal);
      else pendingStop = signal;
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    // At the console, SIGINT (from outside the terminal: kill -INT, Ctrl+C on
    // a pipeline) ends the session as `quit` does, with the shutdown notice.
    process.on("SIGINT", () => (con ? con.quit("SIGINT") : stop("SIGINT")));
    process.on("SIGHUP", () => {
      void server?.core.restart().then((reply) => journal(reply.startsWith("DONE:") ? "notice" : "error", `SIGHUP: ${reply}`));
    });

    const started = await IsisServer.start({
      config: chosen.config,
      configPath: chosen.path,
      rcFile: chosen.path ?? "(embedded default)",
      journal,
      cli: !daemon,
      onConsole: con ? (text) => con.print(text) : undefined,
      environment: serverEnvironment(process.env, process.pid, process.execPath),
    });
    if (!started.ok) throw new UsageError(started.reason);
    server = started.server;
    if (pendingStop) void server.stop(pendingStop);

    if (con) await con.run(server);
    await server.stopped;
    await journalFlushed();
    process.exit(0);
  },
};
export default command;

type Env = Readonly<Record<string, string | undefined>>;

/** What the server takes from the process's environment (see ServerEnvironment). */
export function serverEnvironment(env: Env, pid: number, execPath: string): ServerEnvironment {
  return {
    notifier: SystemdNotifier.fromEnv(env, pid),
    // systemd names every StateDirectory= entry, separated by colons: the first is the server's.
    stateDirectory: env.STATE_DIRECTORY?.split(":")[0] || undefined,
    userId: env.USER ?? userName(),
    exeName: execPath,
    // ISIS_BATCHED_UDP=off keeps UDP I/O to Bun's API: a way back, should the batched path misbehave.
    batchedUdp: env.ISIS_BATCHED_UDP !== "off",
    // ISIS_PAGEOUT=off keeps the start-up pages (bench/idle.ts measures with and without).
    pageout: env.ISIS_PAGEOUT !== "off",
  };
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

interface ChosenConfig {
  config: ServerConfig;
  path: string | undefined;
}

/** An explicit -f must be readable and valid; the default path may be absent (then: the embedded default). */
async function chooseConfig(file: string | undefined, journal: Journal): Promise<ChosenConfig> {
  const path = file ?? DEFAULT_CONFIG_PATH;
  if (file === undefined && !(await exists(path))) {
    journal("warning", `no config file at ${path}: running on the embedded default (ServerID IS, port 6600, log in ./logs)`);
    return { config: parseServerConfig(EMBEDDED_CONFIG_TEXT).config, path: undefined };
  }
  const loaded = await loadServerConfig(path);
  for (const line of formatProblems(path, loaded.problems)) if (loaded.ok) journal("warning", line);
  if (!loaded.ok) throw new UsageError(loaded.reason);
  return { config: loaded.config, path };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
