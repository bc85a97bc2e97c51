// Runs before any test imports project code: keep tests away from the
// machine's real config, state and instrument table, and from colour codes.
import { afterAll } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every temporary directory a test makes (os.tmpdir() follows TMPDIR) lands
// in one scratch directory, removed after the whole run: a test run leaves
// nothing behind in /tmp.
const scratch = mkdtempSync(join(tmpdir(), "isis-test-"));
// Tests that run the server as another user must be able to reach their directories.
chmodSync(scratch, 0o755);
process.env.TMPDIR = scratch;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
process.env.XDG_STATE_HOME = join(scratch, "state");
process.env.XDG_CONFIG_HOME = join(scratch, "config");
process.env.NO_COLOR = "1";
delete process.env.ISIS_CONFIG;
delete process.env.ISIS_INSTRUMENTS;
// The servers under test use batched UDP I/O unless a test turns it off.
delete process.env.ISIS_BATCHED_UDP;
delete process.env.NOTIFY_SOCKET;
delete process.env.WATCHDOG_USEC;
// Under a systemd service stdout may be the journal's stream; tests read plain lines.
delete process.env.JOURNAL_STREAM;
// Under a systemd service with StateDirectory= the server would keep its host table there.
delete process.env.STATE_DIRECTORY;
// Local-time behaviour (the observing-day log date) is tested in the LBT's
// own zone: Arizona, UTC-7 all year.
process.env.TZ = "America/Phoenix";
