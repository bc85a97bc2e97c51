// The help text of `isis monitor`.
import { DEFAULT_ISIS_PORT, DEFAULT_SERVER_ID, INSTRUMENTS_ENV } from "../config/instruments.ts";

export const monitorUsage = (): string => `
Usage: isis monitor [options]

Watches an ISIS server live: the traffic it routes, its clients (idle time,
message counts, PING round trip, stale), and the commands in flight. On a
terminal the view updates in place (q or Ctrl+C quits); otherwise one line
per message is printed, for a pipe or a file.

Server (as for isis cmd; default: from the host name, mods1... or mods2...):
  --mods1, --mods2, -m N  the instrument's server, from the instrument table
  --instrument NAME       the server of the table's [NAME] section (a lab or test server)
  --config FILE           the instrument table (default: $${INSTRUMENTS_ENV})
  --host HOST[:PORT]      any server (port default ${DEFAULT_ISIS_PORT})
  --server ID             the server's node name (default ${DEFAULT_SERVER_ID})
  --id NAME               our node name (default MON + the process id); a
                          name already in the server's host table is refused
  --force-id              use --id NAME even so (it takes that name's route)

Filters (comma lists, or repeat the option):
  --node NAMES            only messages from or to these nodes; M1.* for a prefix
  --type TYPES            only these kinds: REQ EXEC DONE STATUS WARNING ERROR
                          FATAL PING PONG HB (heartbeat) BAD (malformed)

Options:
  --plain                 line output even on a terminal
  -V, --version           print the version
  -h, --help              this text

Example: isis monitor --mods1 --node M1.IE --type req,done,error
`;
