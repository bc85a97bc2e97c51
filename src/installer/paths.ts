// Where things live on the target system. Every path is absolute on the
// target; under `--root DIR` the installer prefixes DIR (see target()).
import { join } from "node:path";

export const BIN_DIR = "/usr/local/bin";
export const BIN_PATH = `${BIN_DIR}/isis`;
/** The client's legacy name; main.ts dispatches on it. */
export const CMD_LINK = `${BIN_DIR}/isisCmd`;
export const UNIT_NAME = "isis.service";
/** Administrator units belong in /etc/systemd/system, which overrides /usr/lib. */
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
/** The symlink `systemctl enable` makes for WantedBy=multi-user.target. */
export const WANTS_LINK = `/etc/systemd/system/multi-user.target.wants/${UNIT_NAME}`;

/** What the old manual install left behind (spec/install.md). */
export const LEGACY_UNIT_PATH = `/usr/lib/systemd/system/${UNIT_NAME}`;
export const LEGACY_WRAPPER_PATH = `${BIN_DIR}/isis.sh`;

/** A target path as seen from here: under the staging root, or itself on the live system. */
export const target = (root: string, path: string): string => (root === "/" ? path : join(root, path));

// Several servers on one host (`isis install --instance NAME`): one template
// unit, and per instance a drop-in holding its config, log directory and
// serial ports. The plain isis.service above stays the one-server case.
const TEMPLATE_NAME = "isis@.service";
export const TEMPLATE_PATH = `/etc/systemd/system/${TEMPLATE_NAME}`;
/** The drop-in file `isis install --instance` writes; `systemctl edit` writes override.conf beside it, read after it. */
export const DROP_IN_FILE = "isis-install.conf";

/** Instance names go into unit names, paths and SyslogIdentifier: plain letters, digits, `_` and `-`. */
export const INSTANCE_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export interface InstancePaths {
  readonly unit: string;
  readonly dropInDir: string;
  readonly dropIn: string;
  readonly wantsLink: string;
}

export function instancePaths(name: string): InstancePaths {
  const unit = `isis@${name}.service`;
  const dropInDir = `/etc/systemd/system/${unit}.d`;
  return { unit, dropInDir, dropIn: `${dropInDir}/${DROP_IN_FILE}`, wantsLink: `/etc/systemd/system/multi-user.target.wants/${unit}` };
}
