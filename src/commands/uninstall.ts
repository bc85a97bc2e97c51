// `sudo isis uninstall [--instance NAME] [--dry-run] [--root DIR]`: stop and
// disable the service (or one instance of several) and remove what `isis
// install` (or the old manual install) put in place. The config, the logs
// and the instrument table stay; the binary stays while another server uses it.

import { INSTANCE_NAME } from "../installer/paths.ts";
import { planUninstall } from "../installer/plan-uninstall.ts";
import { probeUninstall } from "../installer/probe.ts";
import { type Command, type OptionDefs, renderHelp } from "./_command.ts";
import { carryOut, resolveTarget, targetArgs } from "./_install-target.ts";
import { UsageError } from "./_shared.ts";

const options = {
  instance: { type: "string", valueHint: "NAME", description: "Remove only isis@NAME.service (installed with --instance NAME)" },
  ...targetArgs,
} as const satisfies OptionDefs;

const command: Command = {
  options,
  help: (program) =>
    renderHelp({
      usage: [`sudo ${program} [--instance NAME] [--dry-run] [--root DIR]`],
      description:
        "Stops and removes the isis service (or one instance) and, with the last server that\nuses it, the binary; the config, the logs and /etc/isis/instruments.ini stay.",
      options,
    }),
  async run({ options: parsed }) {
    const target = resolveTarget("uninstall", parsed as { "dry-run"?: boolean; root?: string });
    const instance = parsed.instance === undefined ? undefined : String(parsed.instance);
    if (instance !== undefined && !INSTANCE_NAME.test(instance))
      throw new UsageError(`--instance '${instance}': a name of 1 to 32 letters, digits, '_' and '-'`);
    const facts = await probeUninstall({ root: target.root, runner: target.runner, instance });
    if (!(await carryOut("uninstall", planUninstall(facts), target))) process.exitCode = 1;
  },
};
export default command;
