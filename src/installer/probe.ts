// Looks at the target system (read only) and reports the facts the planners
// need. The only command it may run is `selinuxenabled`, and only live.

import { access, readdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute } from "node:path";
import { DEFAULT_INSTRUMENTS_PATH } from "../config/instruments.ts";
import { DEFAULT_CONFIG_PATH, DEFAULT_SERVER_CONFIG, loadServerConfig } from "../config/server-config.ts";
import { compareFiles, lstatOrUndefined, readlinkOrUndefined } from "./fs-ops.ts";
import {
  BIN_PATH,
  CMD_LINK,
  DROP_IN_FILE,
  INSTANCE_NAME,
  instancePaths,
  LEGACY_UNIT_PATH,
  LEGACY_WRAPPER_PATH,
  TEMPLATE_PATH,
  target,
  UNIT_PATH,
  WANTS_LINK,
} from "./paths.ts";
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

export interface InstallProbeOptions extends ProbeOptions {
  readonly execPath: string;
  readonly configPath: string | undefined;
  /** `--instance NAME`: look at the template and that instance's drop-in too. */
  readonly instance?: string;
}

export async function probeInstall(options: InstallProbeOptions): Promise<ProbeResult> {
  const { root, runner } = options;
  const at = (path: string) => target(root, path);

  const config = await probeConfig(at, options.configPath);
  if (!config.ok) return config;
  const instance = options.instance === undefined ? undefined : instancePaths(options.instance);
  const dirs = [...dirsNeeded(config.logDir, config.metricsDir), ...(instance ? [instance.dropInDir] : [])];
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
      instrumentsExists: await exists(at(DEFAULT_INSTRUMENTS_PATH)),
      selinux: runner ? (await runner.run(["selinuxenabled"])).code === 0 : undefined,
      ...(instance && options.instance !== undefined
        ? {
            instance: {
              name: options.instance,
              templateText: await readFile(at(TEMPLATE_PATH), "utf8").catch(() => undefined),
              dropInText: await readFile(at(instance.dropIn), "utf8").catch(() => undefined),
            },
          }
        : {}),
    },
  };
}

export async function probeUninstall(options: ProbeOptions & { readonly instance?: string }): Promise<UninstallFacts> {
  const at = (path: string) => target(options.root, path);
  const instance = options.instance === undefined ? undefined : instancePaths(options.instance);
  return {
    live: options.runner !== undefined,
    binary: (await lstatOrUndefined(at(BIN_PATH))) !== undefined,
    cmdLink: await cmdLinkState(at(CMD_LINK)),
    unit: (await lstatOrUndefined(at(UNIT_PATH))) !== undefined,
    ...(await probeLegacy(at)),
    instances: await installedInstances(at),
    template: (await lstatOrUndefined(at(TEMPLATE_PATH))) !== undefined,
    ...(instance && options.instance !== undefined
      ? {
          instance: {
            name: options.instance,
            dropInDirShared: (await readdir(at(instance.dropInDir)).catch(() => [])).some((name) => name !== DROP_IN_FILE),
            wantsLink: await readlinkOrUndefined(at(instance.wantsLink)),
          },
        }
      : {}),
  };
}

/** The instances `isis install --instance` made: isis@NAME.service.d directories holding its drop-in. */
async function installedInstances(at: (path: string) => string): Promise<string[]> {
  const names = await readdir(at(dirname(TEMPLATE_PATH))).catch(() => [] as string[]);
  const candidates = names.flatMap((entry) => {
    const m = /^isis@(.+)\.service\.d$/.exec(entry);
    return m && INSTANCE_NAME.test(m[1] as string) ? [m[1] as string] : [];
  });
  const ours = await Promise.all(candidates.map(async (name) => (await lstatOrUndefined(at(instancePaths(name).dropIn))) !== undefined));
  return candidates.filter((_, i) => ours[i]).sort();
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
