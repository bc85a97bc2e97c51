// What `isis install` and `isis uninstall` share on the command line: the
// --dry-run/--root arguments, the checks on them, and printing a plan.
import { isAbsolute, resolve } from "node:path";
import { consola } from "consola";
import { type Action, describe } from "../installer/actions.ts";
import { executePlan, type Outcome } from "../installer/execute.ts";
import { type Runner, systemRunner } from "../installer/runner.ts";
import { UsageError } from "./_shared.ts";

export const targetArgs = {
  "dry-run": { type: "boolean", description: "Print every action and change nothing" },
  root: {
    type: "string",
    valueHint: "DIR",
    description: "Stage the files under DIR, run no system command (packaging, tests)",
  },
} as const;

export interface Target {
  /** "/" live, else the staging directory. */
  readonly root: string;
  /** Only live; staging runs nothing. */
  readonly runner: Runner | undefined;
  readonly dryRun: boolean;
}

/** Validate --root/--dry-run and the user; `command` names the command in messages. */
export function resolveTarget(command: string, args: { "dry-run"?: boolean; root?: string }): Target {
  const dryRun = args["dry-run"] === true;
  if (args.root === undefined) {
    if (!dryRun && process.getuid?.() !== 0) {
      throw new UsageError(`isis ${command} must run as root: sudo isis ${command} (or --dry-run to look, --root DIR to stage)`);
    }
    return { root: "/", runner: systemRunner, dryRun };
  }
  if (args.root === "") throw new UsageError("--root needs a directory");
  const root = resolve(args.root);
  if (root === "/") throw new UsageError("--root / is the live system: leave out --root to install on it");
  return { root, runner: undefined, dryRun };
}

/** An absolute path, or a one-line reason. The service runs from /, so a relative path would mean something else there. */
export function absolutePath(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isAbsolute(value)) throw new UsageError(`${flag} needs an absolute path, got '${value}'`);
  return resolve(value);
}

/** Print the plan (dry run) or carry it out, printing each step. Returns false if a step failed. */
export async function carryOut(command: string, plan: readonly Action[], target: Target): Promise<boolean> {
  const log = consola.withTag(command);
  if (target.root !== "/") log.info(`staging under ${target.root}: files only, no system command`);
  if (target.dryRun) {
    log.info("dry run: nothing will be changed");
    for (const action of plan) {
      if (action.kind === "note") note(log, action);
      else log.info(`would ${describe(action)}`);
    }
    return true;
  }
  const ok = await executePlan(plan, target, (action, outcome) => report(log, action, outcome));
  if (!ok) log.error(`isis ${command} stopped at the step above; nothing after it was done`);
  return ok;
}

type Log = ReturnType<typeof consola.withTag>;

function note(log: Log, action: Extract<Action, { kind: "note" }>): void {
  if (action.level === "warn") log.warn(action.text);
  else log.info(action.text);
}

function report(log: Log, action: Action, outcome: Outcome): void {
  if (action.kind === "note") return note(log, action);
  const what = describe(action);
  if (outcome.ok) {
    log.success(outcome.detail ? `${what}: ${outcome.detail}` : what);
    return;
  }
  log.error(`${what}: ${outcome.error}`);
  if (outcome.hints?.length) log.info(`look here:\n${outcome.hints.map((h) => `  ${h}`).join("\n")}`);
}
