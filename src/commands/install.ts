// `sudo isis install [--config FILE] [--now] [--dry-run] [--root DIR]`:
// the running binary becomes /usr/local/bin/isis and a hardened, notify-type
// systemd service runs it. Probe (read only) -> plan (pure) -> carry out.
import { DEFAULT_CONFIG_PATH } from "../config/server-config.ts";
import { INSTANCE_NAME } from "../installer/paths.ts";
import { planInstall } from "../installer/plan.ts";
import { probeInstall } from "../installer/probe.ts";
import { type Command, type OptionDefs, renderHelp } from "./_command.ts";
import { absolutePath, carryOut, resolveTarget, targetArgs } from "./_install-target.ts";
import { UsageError } from "./_shared.ts";

const options = {
  config: {
    type: "string",
    alias: "f",
    valueHint: "FILE",
    description: `The server's config file, passed as -f FILE (default ${DEFAULT_CONFIG_PATH})`,
  },
  instance: {
    type: "string",
    valueHint: "NAME",
    description: "One of several servers on this host: isis@NAME.service from the template isis@.service (needs --config)",
  },
  now: { type: "boolean", description: "Also (re)start the service now and check it is running" },
  ...targetArgs,
} as const satisfies OptionDefs;

const command: Command = {
  options,
  help: (program) =>
    renderHelp({
      usage: [
        `sudo ${program} [--config FILE] [--now] [--dry-run] [--root DIR]`,
        `sudo ${program} --instance NAME --config FILE [--now] [--dry-run] [--root DIR]`,
      ],
      description: "Installs the running binary as /usr/local/bin/isis (and isisCmd) and runs it as a\nsystemd service, SELinux aware.",
      options,
      notes: [
        "Every step is printed; running it again changes nothing that is already right.",
        "Several servers on one host (a lab and a test server): each gets --instance NAME and its own\nconfig file; `systemctl status isis@NAME`, `journalctl -t isis-NAME`, its host table in\n/var/lib/isis/NAME. The plain isis.service is the one-server case and is left alone.",
      ],
    }),
  async run({ options: parsed }) {
    const target = resolveTarget("install", parsed as { "dry-run"?: boolean; root?: string });
    const configPath = absolutePath("--config", typeof parsed.config === "string" ? parsed.config : undefined);
    const instance = instanceName(parsed.instance, configPath);
    // A compiled binary runs its bundle from Bun's embedded /$bunfs; anything
    // else means execPath is the bun runtime, which must not become isis.
    if (!Bun.main.startsWith("/$bunfs/")) {
      throw new UsageError("isis install copies the running binary: run the compiled one (bun script/build.ts, then sudo dist/isis install)");
    }
    const probed = await probeInstall({ root: target.root, runner: target.runner, execPath: process.execPath, configPath, instance });
    if (!probed.ok) throw new UsageError(probed.reason);
    const planned = planInstall(probed.facts, { now: parsed.now === true });
    if (!planned.ok) throw new UsageError(planned.reason);
    if (!(await carryOut("install", planned.plan, target))) process.exitCode = 1;
  },
};
export default command;

/** --instance NAME, checked: a name that goes into unit names and paths; each instance has its own config. */
function instanceName(value: unknown, configPath: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const name = String(value);
  if (!INSTANCE_NAME.test(name)) throw new UsageError(`--instance '${name}': a name of 1 to 32 letters, digits, '_' and '-'`);
  if (configPath === undefined) throw new UsageError(`--instance ${name} needs --config FILE: each server on the host has its own config`);
  return name;
}
