// Renders the systemd unit from the embedded template. Pure: the caller
// reads the config and passes what the sandbox must let through.
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

export function renderUnit(params: UnitParams, template: string = UNIT_TEMPLATE): RenderResult {
  const paths: Array<[what: string, path: string]> = [
    ["log directory", params.logDir],
    ...(params.metricsDir === undefined ? [] : [["MetricsFile directory", params.metricsDir] as [string, string]]),
    ...(params.configPath === undefined ? [] : [["config file", params.configPath] as [string, string]]),
    ...params.ttyPorts.map((p): [string, string] => ["TTYPort", p]),
  ];
  for (const [what, path] of paths) {
    if (!PLAIN_PATH.test(path)) {
      return { ok: false, reason: `${what} '${path}' must be an absolute path of letters, digits and ._/+,:@- to go in a unit file` };
    }
  }
  const execStart = params.configPath === undefined ? `${BIN_PATH} server -d` : `${BIN_PATH} server -d -f ${params.configPath}`;
  const deviceLines = [...new Set(params.ttyPorts)].map((p) => `DeviceAllow=${p} rw\n`).join("");
  const text = template
    .replace("@EXEC_START@", execStart)
    .replace("@LOG_DIR@", [...new Set([params.logDir, params.metricsDir ?? params.logDir])].join(" "))
    .replace("@TTY_DEVICE_ALLOW@\n", deviceLines);
  const left = text.match(/@[A-Z_]+@/);
  if (left) return { ok: false, reason: `unit template has an unfilled ${left[0]}` };
  return { ok: true, text };
}
