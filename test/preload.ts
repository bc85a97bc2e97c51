// Runs before any test imports project code: keep tests away from the
// machine's real config, state and instrument table, and from colour codes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const scratch = mkdtempSync(join(tmpdir(), "isis-test-"));
process.env.XDG_STATE_HOME = join(scratch, "state");
process.env.XDG_CONFIG_HOME = join(scratch, "config");
process.env.NO_COLOR = "1";
delete process.env.ISIS_CONFIG;
delete process.env.ISIS_INSTRUMENTS;
delete process.env.NOTIFY_SOCKET;
delete process.env.WATCHDOG_USEC;
// Under a systemd service with StateDirectory= the server would keep its host table there.
delete process.env.STATE_DIRECTORY;
// Local-time behaviour (the observing-day log date) is tested in the LBT's
// own zone: Arizona, UTC-7 all year.
process.env.TZ = "America/Phoenix";
