// Pure planning for `isis uninstall`: stop and disable the service, remove
// what install wrote (and what the old manual install left), keep the
// config, the logs and the instrument table.
import type { Action } from "./actions.ts";
import { BIN_PATH, CMD_LINK, INSTRUMENTS_PATH, LEGACY_UNIT_PATH, LEGACY_WRAPPER_PATH, UNIT_NAME, UNIT_PATH, WANTS_LINK } from "./paths.ts";
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
}

export function planUninstall(facts: UninstallFacts): Action[] {
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
  if (facts.cmdLink === "ours") remove(CMD_LINK, "client symlink");
  if (facts.cmdLink === "other") plan.push({ kind: "note", level: "warn", text: `${CMD_LINK} is not a link to isis: left in place` });
  if (facts.binary) remove(BIN_PATH, "the isis binary");

  const removed = plan.some((a) => a.kind === "remove");
  if (!removed) plan.push({ kind: "note", level: "info", text: "isis is not installed: nothing to remove" });
  if (facts.live && removed) plan.push({ kind: "run", argv: ["systemctl", "daemon-reload"] });
  plan.push({ kind: "note", level: "info", text: `kept: the config file, the log directory and ${INSTRUMENTS_PATH}` });
  return plan;
}
