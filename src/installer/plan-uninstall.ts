// Pure planning for `isis uninstall [--instance NAME]`: stop and disable the
// service, remove what install wrote (and what the old manual install left),
// keep the config, the logs and the instrument table. The binary stays as
// long as another server on the host (isis.service or an instance) runs it.
import { DEFAULT_INSTRUMENTS_PATH } from "../config/instruments.ts";
import type { Action } from "./actions.ts";
import { BIN_PATH, CMD_LINK, instancePaths, LEGACY_UNIT_PATH, LEGACY_WRAPPER_PATH, TEMPLATE_PATH, UNIT_NAME, UNIT_PATH, WANTS_LINK } from "./paths.ts";
import type { FileState } from "./plan.ts";

export interface UninstallFacts {
  /** false: staging under --root; no system command. */
  readonly live: boolean;
  readonly binary: boolean;
  readonly cmdLink: FileState;
  readonly unit: boolean;
  readonly legacyUnit: FileState;
  readonly legacyWrapper: boolean;
  /** Where WANTS_LINK points, if it is a symlink. */
  readonly wantsLink: string | undefined;
  /** Instances installed (a drop-in of ours in isis@NAME.service.d), and whether the template is there. */
  readonly instances: readonly string[];
  readonly template: boolean;
  /** `--instance NAME`: that one's drop-in directory holds files of others too (override.conf), and where its enablement link points. */
  readonly instance?: { readonly name: string; readonly dropInDirShared: boolean; readonly wantsLink: string | undefined };
}

export function planUninstall(facts: UninstallFacts): Action[] {
  const plan = facts.instance ? instanceActions(facts, facts.instance) : plainActions(facts);
  const removed = plan.some((a) => a.kind === "remove" || a.kind === "rmdir");
  if (!removed)
    plan.push({
      kind: "note",
      level: "info",
      text: `${facts.instance ? instancePaths(facts.instance.name).unit : "isis"} is not installed: nothing to remove`,
    });
  if (facts.live && removed) plan.push({ kind: "run", argv: ["systemctl", "daemon-reload"] });
  plan.push({ kind: "note", level: "info", text: `kept: the config file, the log directory and ${DEFAULT_INSTRUMENTS_PATH}` });
  return plan;
}

function plainActions(facts: UninstallFacts): Action[] {
  const plan: Action[] = [];
  const remove = (path: string, why: string) => plan.push({ kind: "remove", path, why });
  // Stop it while systemd still has a unit file to act on.
  if (facts.live && (facts.unit || facts.legacyUnit === "ours")) {
    plan.push({ kind: "run", argv: ["systemctl", "disable", "--now", UNIT_NAME] });
  }
  if (facts.unit) remove(UNIT_PATH, "the service's unit");
  // Live, `disable` has removed it already; staged, nobody else will.
  if (facts.wantsLink === UNIT_PATH || facts.wantsLink === LEGACY_UNIT_PATH) remove(WANTS_LINK, "enablement link");
  if (facts.legacyUnit === "ours") remove(LEGACY_UNIT_PATH, "old manual install's unit");
  if (facts.legacyUnit === "other") plan.push({ kind: "note", level: "warn", text: `${LEGACY_UNIT_PATH} is not ours: left in place` });
  if (facts.legacyWrapper) remove(LEGACY_WRAPPER_PATH, "old wrapper script");
  binaryActions(facts, facts.instances, plan);
  return plan;
}

function instanceActions(facts: UninstallFacts, instance: NonNullable<UninstallFacts["instance"]>): Action[] {
  const plan: Action[] = [];
  const paths = instancePaths(instance.name);
  const installed = facts.instances.includes(instance.name);
  if (facts.live && installed) plan.push({ kind: "run", argv: ["systemctl", "disable", "--now", paths.unit] });
  if (installed) {
    plan.push({ kind: "remove", path: paths.dropIn, why: `instance ${instance.name}'s settings` });
    if (instance.dropInDirShared) plan.push({ kind: "note", level: "info", text: `${paths.dropInDir} holds local changes (systemctl edit): left in place` });
    else plan.push({ kind: "rmdir", path: paths.dropInDir });
  }
  if (instance.wantsLink === TEMPLATE_PATH) plan.push({ kind: "remove", path: paths.wantsLink, why: "enablement link" });
  const others = facts.instances.filter((name) => name !== instance.name);
  if (facts.template && others.length === 0) plan.push({ kind: "remove", path: TEMPLATE_PATH, why: "the instances' template unit, used by no other" });
  binaryActions(facts, others, plan, facts.unit);
  return plan;
}

/** The binary and its client link go with the last server that runs them. */
function binaryActions(facts: UninstallFacts, instancesLeft: readonly string[], plan: Action[], plainLeft = false): void {
  const users = [...(plainLeft ? [UNIT_NAME] : []), ...instancesLeft.map((name) => instancePaths(name).unit)];
  if (users.length > 0) {
    if (facts.binary) plan.push({ kind: "note", level: "info", text: `kept ${BIN_PATH} and ${CMD_LINK}: ${users.join(", ")} still run it` });
    return;
  }
  if (facts.cmdLink === "ours") plan.push({ kind: "remove", path: CMD_LINK, why: "client symlink" });
  if (facts.cmdLink === "other") plan.push({ kind: "note", level: "warn", text: `${CMD_LINK} is not a link to isis: left in place` });
  if (facts.binary) plan.push({ kind: "remove", path: BIN_PATH, why: "the isis binary" });
}
