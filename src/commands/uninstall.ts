// `sudo isis uninstall [--dry-run] [--root DIR]`: stop and disable the
// service and remove what `isis install` (or the old manual install) put in
// place. The config, the logs and the instrument table stay.
import { carryOut, resolveTarget, targetArgs } from "../installer/cli.ts";
import { planUninstall } from "../installer/plan-uninstall.ts";
import { probeUninstall } from "../installer/probe.ts";
import { type Command, renderHelp } from "./_command.ts";

const command: Command = {
  options: targetArgs,
  help: (program) =>
    renderHelp({
      usage: [`sudo ${program} [--dry-run] [--root DIR]`],
      description: "Stops and removes the isis service and binary; the config, the logs and\n/etc/isis/instruments.ini stay.",
      options: targetArgs,
    }),
  async run({ options }) {
    const target = resolveTarget("uninstall", options as { "dry-run"?: boolean; root?: string });
    const facts = await probeUninstall({ root: target.root, runner: target.runner });
    if (!(await carryOut("uninstall", planUninstall(facts), target))) process.exitCode = 1;
  },
};
export default command;
