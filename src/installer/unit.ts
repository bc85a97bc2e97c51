// Renders the systemd units from the embedded template. Pure: the caller
// reads the config and passes what the sandbox must let through.
//   isis.service             one server: everything in one unit
//   isis@.service            several: the same unit as a template, without
//                            what differs per server, with StateDirectory and
//                            SyslogIdentifier per instance (%i)
//   isis@NAME.service.d/isis-install.conf   the instance's config, log
//                            directory and serial ports
import { UNIT_TEMPLATE } from "./assets.ts";
import { BIN_PATH } from "./paths.ts";

export interface UnitParams {
  /** The server's -f FILE; absent = the server's default config path. */
  readonly configPath?: string;
  /** A directory the service may write: dirname of the config's ServerLog. */
  readonly logDir: string;
  /** The other one, with MetricsFile: its directory. */
  readonly metricsDir?: string;
  /** The config's TTYPort devices, allowed by the device ACL on top of the usual serial drivers. */
  readonly ttyPorts: readonly string[];
}

export type RenderResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

// Unit files give meaning to spaces, quotes, `%` (specifiers) and `$`
// (variables). Rather than escape each differently per setting, accept the
// plain absolute paths every real deployment uses and refuse the rest.
const PLAIN_PATH = /^\/[A-Za-z0-9._/+,:@-]*$/;

/** The settings that differ from one server to another, or a reason a path cannot go in a unit file. */
function serverLines(params: UnitParams): { execStart: string; writable: string; devices: string } | { reason: string } {
  const paths: Array<[what: string, path: string]> = [
    ["log directory", params.logDir],
    ...(params.metricsDir === undefined ? [] : [["MetricsFile directory", params.metricsDir] as [string, string]]),
    ...(params.configPath === undefined ? [] : [["config file", params.configPath] as [string, string]]),
    ...params.ttyPorts.map((p): [string, string] => ["TTYPort", p]),
  ];
  for (const [what, path] of paths) {
    if (!PLAIN_PATH.test(path)) return { reason: `${what} '${path}' must be an absolute path of letters, digits and ._/+,:@- to go in a unit file` };
  }
  return {
    execStart: params.configPath === undefined ? `${BIN_PATH} server -d` : `${BIN_PATH} server -d -f ${params.configPath}`,
    writable: [...new Set([params.logDir, params.metricsDir ?? params.logDir])].join(" "),
    devices: [...new Set(params.ttyPorts)].map((p) => `DeviceAllow=${p} rw\n`).join(""),
  };
}

export function renderUnit(params: UnitParams, template: string = UNIT_TEMPLATE): RenderResult {
  const lines = serverLines(params);
  if ("reason" in lines) return { ok: false, reason: lines.reason };
  const text = template.replace("@EXEC_START@", lines.execStart).replace("@LOG_DIR@", lines.writable).replace("@TTY_DEVICE_ALLOW@\n", lines.devices);
  return filled(text);
}

/** What the template unit changes in the one-server unit: each line must be there exactly once. */
const TEMPLATE_EDITS: ReadonlyArray<readonly [from: string, to: string]> = [
  ["Description=ISIS message server for a MODS instrument\n", "Description=ISIS message server %i\n"],
  ["ExecStart=@EXEC_START@\n", ""],
  [
    "ReadWritePaths=@LOG_DIR@\n",
    "# ExecStart=, ReadWritePaths= and the TTYPort DeviceAllow= lines are per instance, in\n# isis@NAME.service.d/isis-install.conf (`isis install --instance NAME --config FILE`).\n",
  ],
  ["# The host table is saved in /var/lib/isis (passed as", "# The host table is saved in /var/lib/isis/NAME (passed as"],
  [
    "StateDirectory=isis\n",
    "StateDirectory=isis/%i\n# Each instance's journal lines are tagged isis-NAME (journalctl -t isis-lab).\nSyslogIdentifier=isis-%i\n",
  ],
  ["@TTY_DEVICE_ALLOW@\n", ""],
];

/** isis@.service: the one-server unit made a template. */
export function renderTemplateUnit(template: string = UNIT_TEMPLATE): RenderResult {
  let text = template;
  for (const [from, to] of TEMPLATE_EDITS) {
    if (text.split(from).length !== 2) return { ok: false, reason: `unit template has no single line '${from.trim()}' to make an instance template of` };
    text = text.replace(from, to);
  }
  const header = "# Template for several ISIS servers on one host: `systemctl status isis@NAME`.\n";
  return filled(
    header + text.replace("systemctl edit isis`", "systemctl edit isis@NAME`").replace("systemd-analyze security isis`", "systemd-analyze security isis@NAME`"),
  );
}

/** The instance's drop-in: what renderUnit fills in for the one server, as settings added to the template's. */
export function renderDropIn(instance: string, params: UnitParams): RenderResult {
  const lines = serverLines(params);
  if ("reason" in lines) return { ok: false, reason: lines.reason };
  return filled(
    [
      `# Written by \`isis install --instance ${instance}\` from its config file; rerun it after`,
      "# changing ServerLog, MetricsFile or TTYPort there. Local changes: `systemctl edit",
      `# isis@${instance}\` (override.conf, read after this file, which a reinstall rewrites).`,
      "[Service]",
      `ExecStart=${lines.execStart}`,
      `ReadWritePaths=${lines.writable}`,
      `${lines.devices}`,
    ].join("\n"),
  );
}

function filled(text: string): RenderResult {
  const left = text.match(/@[A-Z_]+@/);
  if (left) return { ok: false, reason: `unit template has an unfilled ${left[0]}` };
  return { ok: true, text };
}
