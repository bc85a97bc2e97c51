// Looks at the target system (read only) and reports the facts the planners
// need. The only command it may run is `selinuxenabled`, and only live.
import { access, readFile } from "node:fs/promises";
import { dirname, isAbsolute } from "node:path";
import { DEFAULT_CONFIG_PATH, DEFAULT_SERVER_CONFIG, loadServerConfig } from "../config/server-config.ts";
import { compareFiles, lstatOrUndefined, readlinkOrUndefined } from "./fs-ops.ts";
import { BIN_PATH, CMD_LINK, INSTRUMENTS_PATH, LEGACY_UNIT_PATH, LEGACY_WRAPPER_PATH, target, UNIT_PATH, WANTS_LINK } from "./paths.ts";
import { dirsNeeded, type FileState, type InstallFacts } from "./plan.ts";
import type { UninstallFacts } from "./plan-uninstall.ts";
import type { Runner } from "./runner.ts";

export interface ProbeOptions {
  /** "/" for the live system, else the staging root. */
  readonly root: string;
  /** Present only live: staging runs no command. */
  readonly runner: Runner | undefined;
}

export type ProbeResult = { readonly ok: true; readonly facts: InstallFacts } | { readonly ok: false; readonly reason: string };

export async function probeInstall(options: ProbeOptions & { readonly execPath: string; readonly configPath: string | undefined }): Promise<ProbeResult> {
  const { root, runner } = options;
  const at = (path: string) => target(root, path);

  const config = await probeConfig(at, options.configPath);
  if (!config.ok) return config;
  const dirs = dirsNeeded(config.logDir, config.metricsDir);
  const existing = await Promise.all(dirs.map((d) => exists(at(d))));

  return {
    ok: true,
    facts: {
      live: runner !== undefined,
      execPath: options.execPath,
      binary: await compareFiles(options.execPath, at(BIN_PATH)),
      cmdLink: await cmdLinkState(at(CMD_LINK)),
      unitText: await readFile(at(UNIT_PATH), "utf8").catch(() => undefined),
      ...(await probeLegacy(at)),
      config: {
        path: config.path,
        explicit: options.configPath !== undefined,
        found: config.found,
        logDir: config.logDir,
        metricsDir: config.metricsDir,
        ttyPorts: config.ttyPorts,
      },
      existingDirs: new Set(dirs.filter((_, i) => existing[i])),
      instrumentsExists: await exists(at(INSTRUMENTS_PATH)),
      selinux: runner ? (await runner.run(["selinuxenabled"])).code === 0 : undefined,
    },
  };
}

export async function probeUninstall(options: ProbeOptions): Promise<UninstallFacts> {
  const at = (path: string) => target(options.root, path);
  return {
    live: options.runner !== undefined,
    binary: (await lstatOrUndefined(at(BIN_PATH))) !== undefined,
    cmdLink: await cmdLinkState(at(CMD_LINK)),
    unit: (await lstatOrUndefined(at(UNIT_PATH))) !== undefined,
    ...(await probeLegacy(at)),
  };
}

type ConfigProbe = { ok: true; path: string; found: boolean; logDir: string; metricsDir?: string; ttyPorts: readonly string[] } | { ok: false; reason: string };

/** The config decides what the sandbox must allow: its log directory and serial ports. */
async function probeConfig(at: (path: string) => string, given: string | undefined): Promise<ConfigProbe> {
  const path = given ?? DEFAULT_CONFIG_PATH;
  if (!(await exists(at(path)))) {
    return { ok: true, path, found: false, logDir: dirname(DEFAULT_SERVER_CONFIG.serverLog), ttyPorts: [] };
  }
  const loaded = await loadServerConfig(at(path));
  if (!loaded.ok) return { ok: false, reason: `${loaded.reason} (the service could not start with it)` };
  const { serverLog, ttyPorts, metricsFile } = loaded.config;
  for (const [keyword, value] of [
    ["ServerLog", serverLog],
    ["MetricsFile", metricsFile],
  ] as const) {
    if (value !== undefined && !isAbsolute(value)) {
      return { ok: false, reason: `${path}: ${keyword} '${value}' is relative; a service runs from / and needs an absolute path` };
    }
  }
  return { ok: true, path, found: true, logDir: dirname(serverLog), metricsDir: metricsFile === undefined ? undefined : dirname(metricsFile), ttyPorts };
}

async function probeLegacy(at: (path: string) => string) {
  const legacyText = await readFile(at(LEGACY_UNIT_PATH), "utf8").catch(() => undefined);
  const legacyUnit: FileState = legacyText === undefined ? "missing" : legacyText.includes(LEGACY_WRAPPER_PATH) ? "ours" : "other";
  return {
    legacyUnit,
    legacyWrapper: (await lstatOrUndefined(at(LEGACY_WRAPPER_PATH))) !== undefined,
    wantsLink: await readlinkOrUndefined(at(WANTS_LINK)),
  };
}

async function cmdLinkState(path: string): Promise<FileState> {
  const link = await readlinkOrUndefined(path);
  if (link === "isis" || link === BIN_PATH) return "ours";
  return (await lstatOrUndefined(path)) === undefined ? "missing" : "other";
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
