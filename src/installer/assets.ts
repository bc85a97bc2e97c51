// Files the installer writes, embedded in the compiled binary so that
// `sudo isis install` needs nothing but the binary itself.

import instrumentsIni from "../../install/instruments.ini" with { type: "text" };
import unitTemplate from "../../install/isis.service" with { type: "text" };

/** The unit file with @EXEC_START@, @LOG_DIR@ and @TTY_DEVICE_ALLOW@ to fill in (unit.ts). */
export const UNIT_TEMPLATE: string = unitTemplate;
/** The LBTO instrument table for `isis cmd`, written when none exists. */
export const DEFAULT_INSTRUMENTS_INI: string = instrumentsIni;
