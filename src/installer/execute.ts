// Carries out a plan, one action at a time, stopping at the first failure.
// Files go under the staging root; commands go to the Runner, which exists
// only on the live system.
import { rm, rmdir } from "node:fs/promises";
import type { Action } from "./actions.ts";
import { copyFileReplacing, lstatOrUndefined, makeDirs, symlinkReplacing, writeFileReplacing } from "./fs-ops.ts";
import { target } from "./paths.ts";
import type { Runner } from "./runner.ts";

export interface ExecContext {
  readonly root: string;
  readonly runner: Runner | undefined;
}

export type Outcome = { readonly ok: true; readonly detail?: string } | { readonly ok: false; readonly error: string; readonly hints?: readonly string[] };

/** Run every action in order; report each; false as soon as one fails. */
export async function executePlan(plan: readonly Action[], context: ExecContext, report: (action: Action, outcome: Outcome) => void): Promise<boolean> {
  for (const action of plan) {
    const outcome = await perform(action, context).catch(
      (error: unknown): Outcome => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
    report(action, outcome);
    if (!outcome.ok) return false;
  }
  return true;
}

async function perform(action: Action, { root, runner }: ExecContext): Promise<Outcome> {
  const at = (path: string) => target(root, path);
  switch (action.kind) {
    case "note":
      return { ok: true };
    case "mkdir":
      await makeDirs(at(action.path), 0o755);
      return { ok: true };
    case "copy":
      await copyFileReplacing(action.from, at(action.path), action.mode);
      return { ok: true };
    case "write":
      await writeFileReplacing(at(action.path), action.text, action.mode);
      return { ok: true };
    case "symlink":
      await symlinkReplacing(at(action.path), action.target);
      return { ok: true };
    case "remove": {
      // Gone already (e.g. `systemctl disable` took the link) is what we wanted.
      const there = (await lstatOrUndefined(at(action.path))) !== undefined;
      await rm(at(action.path), { force: true });
      return there ? { ok: true } : { ok: true, detail: "already gone" };
    }
    case "rmdir": {
      if ((await lstatOrUndefined(at(action.path))) === undefined) return { ok: true, detail: "already gone" };
      await rmdir(at(action.path));
      return { ok: true };
    }
  }

  if (!runner) return { ok: false, error: "no system commands while staging (a planning bug)" };
  switch (action.kind) {
    case "run": {
      const result = await runner.run(action.argv);
      if (result.code === 0) return { ok: true, detail: result.stdout.trim() || undefined };
      const why = result.stderr.trim() || result.stdout.trim() || "no output";
      return { ok: false, error: `exit ${result.code}: ${why}`, hints: action.hints };
    }
    case "check-label": {
      const result = await runner.run(["stat", "-c", "%C", action.path]);
      const context = result.stdout.trim();
      // user:role:type:level; a moved-in file shows e.g. user_home_t here.
      if (result.code === 0 && context.split(":")[2] === action.type) return { ok: true, detail: context };
      const seen = result.code === 0 ? context : `unreadable (${result.stderr.trim()})`;
      return {
        ok: false,
        error: `label is ${seen}, not ${action.type}: systemd could not execute it (status=203/EXEC)`,
        hints: action.hints,
      };
    }
    case "check-active": {
      const result = await runner.run(["systemctl", "is-active", action.unit]);
      const state = result.stdout.trim() || "unknown";
      if (state === "active" || !action.required) return { ok: true, detail: state };
      return { ok: false, error: `${action.unit} is ${state}`, hints: action.hints };
    }
  }
}
