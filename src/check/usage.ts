// The help text of `isis check`.
import { DEFAULT_INSTRUMENTS_PATH, DEFAULT_ISIS_PORT, DEFAULT_SERVER_ID, INSTRUMENTS_ENV } from "../config/instruments.ts";
import { DEFAULT_TIMEOUT_SECONDS } from "./args.ts";

export function checkUsage(): string {
  return `
Usage: isis check [--mods1|--mods2|-m N|--host HOST[:PORT]] [--config FILE] [--server ID] [--id NAME]
                  [-t SEC] [--ignore NAMES]

Checks an ISIS server as a monitoring plugin does (Nagios, Icinga, cron):
asks it STATUS, LIVENESS and STATS and prints one line,

  ISIS OK - IS at mods1:6600: 9 clients, 0 stale, 0 late, up 3d 4h | clients=9;;;0;32 stale=0;0;;0 ...

with performance data after the '|', and exits with the plugin's status:
  0 OK        the server answers, no client is stale, no command late, the log is written
  1 WARNING   stale clients, late commands, or the runtime log off (-LOG) or not written
  2 CRITICAL  no answer to STATUS
  3 UNKNOWN   bad usage, no instrument table

Server (as for isis cmd; default: from the host name, mods1... or mods2...):
  --mods1, --mods2, -m N  the instrument's server, from the instrument table
  --instrument NAME       the server of the table's [NAME] section (a lab or test server)
  --config FILE           the instrument table (default: $${INSTRUMENTS_ENV}, else ${DEFAULT_INSTRUMENTS_PATH})
  --host HOST[:PORT]      any ISIS server (port default ${DEFAULT_ISIS_PORT})
  --server ID             the server's node name (default ${DEFAULT_SERVER_ID})
  --id NAME               our node name (default CHK and the process id, removed from the
                          host table at the end; a name given here is left in it)

Options:
  -t SEC, --timeout SEC   wait SEC seconds for each answer (default ${DEFAULT_TIMEOUT_SECONDS})
  --ignore NAMES          clients whose silence is no warning: NAME or a prefix NAME*, comma-separated
                          (one-shot isisCmd entries: --ignore ISISCMD,IPC*)
  -V, --version           print the version
  -h, --help              print this help
`;
}
