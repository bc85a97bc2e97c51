// Pure planning: from what probe.ts found to the list of actions that makes
// the system right. Everything already right becomes a note, so a second
// run changes nothing and says so.

import { dirname } from "node:path";
import { DEFAULT_INSTRUMENTS_PATH } from "../config/instruments.ts";
import type { Action } from "./actions.ts";
import { DEFAULT_INSTRUMENTS_INI } from "./assets.ts";
import { BIN_DIR, BIN_PATH, CMD_LINK, instancePaths, LEGACY_UNIT_PATH, LEGACY_WRAPPER_PATH, TEMPLATE_PATH, UNIT_NAME, UNIT_PATH, WANTS_LINK } from "./paths.ts";
import { renderDropIn, renderTemplateUnit, renderUnit } from "./unit.ts";

/** The state of one file the installer manages. */
export type FileState = "missing" | "ours" | "other";

export interface InstallFacts {
  /** false: staging under --root; the plan then holds no system command. */
  readonly live: boolean;
  /** The binary to install: the one running (process.execPath). */
  readonly execPath: string;
  /** same-file: running from BIN_PATH itself; same-content: an identical copy is there. */
  readonly binary: "missing" | "same-file" | "same-content" | "other";
  /** ours: a symlink to isis. */
  readonly cmdLink: FileState;
  /** The unit file's current text, if any. */
  readonly unitText: string | undefined;
  /** ours: the old manual install's unit (runs isis.sh); other: some other unit of that name. */
  readonly legacyUnit: FileState;
  readonly legacyWrapper: boolean;
  /** Where WANTS_LINK points, if it is a symlink. */
  readonly wantsLink: string | undefined;
  readonly config: {
    readonly path: string;
    /** false: the server's default path, so ExecStart has no -f. */
    readonly explicit: boolean;
    /** false: no file there yet (a warning: the service needs one). */
    readonly found: boolean;
    readonly logDir: string;
    /** The MetricsFile's directory, when the config has one: the service writes there too. */
    readonly metricsDir?: string;
    readonly ttyPorts: readonly string[];
  };
  /** Directories of dirsNeeded() that exist already. */
  readonly existingDirs: ReadonlySet<string>;
  readonly instrumentsExists: boolean;
  /** undefined when staging (not asked). */
  readonly selinux: boolean | undefined;
  /** `--instance NAME`: the template unit and this instance's drop-in, as they are now, instead of isis.service. */
  readonly instance?: { readonly name: string; readonly templateText: string | undefined; readonly dropInText: string | undefined };
}

export interface InstallOptions {
  /** Restart the service now (systemctl restart) and require it to come up. */
  readonly now: boolean;
}

/** Directories the install writes into; probe.ts reports which exist. */
export const dirsNeeded = (logDir: string, metricsDir?: string): string[] => [
  BIN_DIR,
  dirname(UNIT_PATH),
  dirname(DEFAULT_INSTRUMENTS_PATH),
  logDir,
  ...(metricsDir === undefined || metricsDir === logDir ? [] : [metricsDir]),
];

/** Where to look when the service does not come up. */
function failureHints(selinux: boolean | undefined, unit = UNIT_NAME): string[] {
  const hints = [`systemctl status ${unit}`, `journalctl -u ${unit} -n 50 --no-pager`];
  if (selinux) hints.push("ausearch -m AVC -ts recent   (SELinux denials)");
  return hints;
}

export type PlanResult = { readonly ok: true; readonly plan: Action[] } | { readonly ok: false; readonly reason: string };

/** The unit files an install writes, and the unit it enables. */
interface Units {
  readonly name: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string; readonly current: string | undefined }>;
  /** Directories they go in beyond /etc/systemd/system. */
  readonly dirs: readonly string[];
}

export function planInstall(facts: InstallFacts, options: InstallOptions): PlanResult {
  const units = unitsFor(facts);
  if (!units.ok) return units;
  return { ok: true, plan: installActions(facts, units.units, options) };
}

function unitsFor(facts: InstallFacts): { ok: true; units: Units } | { ok: false; reason: string } {
  const { config } = facts;
  const params = { configPath: config.explicit ? config.path : undefined, logDir: config.logDir, metricsDir: config.metricsDir, ttyPorts: config.ttyPorts };
  const instance = facts.instance;
  if (!instance) {
    const unit = renderUnit(params);
    if (!unit.ok) return unit;
    return { ok: true, units: { name: UNIT_NAME, files: [{ path: UNIT_PATH, text: unit.text, current: facts.unitText }], dirs: [] } };
  }
  const paths = instancePaths(instance.name);
  const template = renderTemplateUnit();
  if (!template.ok) return template;
  const dropIn = renderDropIn(instance.name, params);
  if (!dropIn.ok) return dropIn;
  const files = [
    { path: TEMPLATE_PATH, text: template.text, current: instance.templateText },
    { path: paths.dropIn, text: dropIn.text, current: instance.dropInText },
  ];
  return { ok: true, units: { name: paths.unit, files, dirs: [paths.dropInDir] } };
}

function installActions(facts: InstallFacts, units: Units, options: InstallOptions): Action[] {
  const plan: Action[] = [];
  const info = (text: string) => plan.push({ kind: "note", level: "info", text });
  const warn = (text: string) => plan.push({ kind: "note", level: "warn", text });
  const { config } = facts;

  if (!config.found) {
    warn(
      `no config file at ${config.path} yet: the service will not run properly until it exists (the unit lets it log to ${config.logDir}, the ServerLog default)`,
    );
  }
  for (const dir of [...dirsNeeded(config.logDir, config.metricsDir), ...units.dirs]) {
    if (!facts.existingDirs.has(dir)) plan.push({ kind: "mkdir", path: dir });
  }

  if (facts.binary === "same-file") info(`${BIN_PATH} is the running binary: not copied`);
  else if (facts.binary === "same-content") info(`${BIN_PATH} is already identical to ${facts.execPath}: not copied`);
  else plan.push({ kind: "copy", from: facts.execPath, path: BIN_PATH, mode: 0o755 });

  if (facts.cmdLink === "ours") info(`${CMD_LINK} already links to isis`);
  else plan.push({ kind: "symlink", path: CMD_LINK, target: "isis" });

  for (const file of units.files) {
    if (file.current === file.text) info(`${file.path} is up to date`);
    else plan.push({ kind: "write", path: file.path, text: file.text, mode: 0o644 });
  }
  if (!facts.instance) legacyActions(facts, plan);

  if (facts.instrumentsExists) info(`${DEFAULT_INSTRUMENTS_PATH} exists: kept`);
  else plan.push({ kind: "write", path: DEFAULT_INSTRUMENTS_PATH, text: DEFAULT_INSTRUMENTS_INI, mode: 0o644 });

  if (!facts.live) {
    info("staging: SELinux labels and systemctl are left to the system the files are installed on");
    if (options.now) warn("--now does nothing when staging: there is no service here to start");
    return plan;
  }

  if (facts.selinux) {
    const written = [BIN_PATH, CMD_LINK, ...units.dirs.filter((d) => !facts.existingDirs.has(d)), ...units.files.map((f) => f.path)];
    if (!facts.instrumentsExists) written.push(DEFAULT_INSTRUMENTS_PATH);
    if (!facts.existingDirs.has(config.logDir)) written.push(config.logDir);
    if (config.metricsDir !== undefined && !facts.existingDirs.has(config.metricsDir)) written.push(config.metricsDir);
    plan.push({ kind: "run", argv: ["restorecon", "-v", ...written] });
    plan.push({
      kind: "check-label",
      path: BIN_PATH,
      type: "bin_t",
      hints: [`restorecon -v ${BIN_PATH}`, `ls -Z ${BIN_PATH}`],
    });
  } else {
    info("SELinux is not enabled: no labels to restore");
  }

  const hints = failureHints(facts.selinux, units.name);
  plan.push({ kind: "run", argv: ["systemctl", "daemon-reload"] });
  plan.push({ kind: "run", argv: ["systemctl", "enable", units.name] });
  if (options.now) plan.push({ kind: "run", argv: ["systemctl", "restart", units.name], hints });
  plan.push({ kind: "check-active", unit: units.name, required: options.now, hints });
  if (!options.now) info(`start or restart it with: systemctl restart ${units.name} (or rerun with --now)`);
  return plan;
}

/** The old manual install (one server, isis.service in /usr/lib): removed on the way to ours. */
function legacyActions(facts: InstallFacts, plan: Action[]): void {
  const warn = (text: string) => plan.push({ kind: "note", level: "warn", text });
  // The old manual install: its enablement link dangles once its unit is
  // gone (`systemctl enable` then leaves it pointing at nothing); its
  // wrapper would be dead. A unit there that is not the old one keeps its link.
  if (facts.wantsLink === LEGACY_UNIT_PATH && facts.legacyUnit !== "other") {
    plan.push({ kind: "remove", path: WANTS_LINK, why: "enablement link to the old unit" });
  }
  if (facts.legacyUnit === "ours") plan.push({ kind: "remove", path: LEGACY_UNIT_PATH, why: "old manual install's unit" });
  if (facts.legacyUnit === "other") warn(`${LEGACY_UNIT_PATH} is not the old manual unit: left in place (${UNIT_PATH} overrides it)`);
  if (facts.legacyWrapper) plan.push({ kind: "remove", path: LEGACY_WRAPPER_PATH, why: "old wrapper script, replaced by ExecStart" });
}
