// Where things live on the target system. Every path is absolute on the
// target; under `--root DIR` the installer prefixes DIR (see target()).
import { join } from "node:path";

export { DEFAULT_INSTRUMENTS_PATH as INSTRUMENTS_PATH } from "../config/instruments.ts";

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
