// `sudo isis uninstall [--dry-run] [--root DIR]`: stop and disable the
// service and remove what `isis install` (or the old manual install) put in
// place. The config, the logs and the instrument table stay.
import { defineCommand } from "citty";
import { carryOut, resolveTarget, targetArgs } from "../installer/cli.ts";
import { planUninstall } from "../installer/plan-uninstall.ts";
import { probeUninstall } from "../installer/probe.ts";

export default defineCommand({
  meta: { name: "uninstall", description: "Remove the isis service and binary, keeping config and logs (as root)" },
  args: targetArgs,
  async run({ args }) {
    const target = resolveTarget("uninstall", args);
    const facts = await probeUninstall({ root: target.root, runner: target.runner });
    if (!(await carryOut("uninstall", planUninstall(facts), target))) process.exitCode = 1;
  },
});
