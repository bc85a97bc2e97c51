// The client's help text. Written out rather than rendered from option
// definitions (commands/_command.ts): the legacy options (-m N, single-dash
// -mods1) and the rule that options end at the destination need prose.
import { DEFAULT_CLIENT_ID, DEFAULT_INSTRUMENTS_PATH, DEFAULT_ISIS_PORT, DEFAULT_SERVER_ID, INSTRUMENTS_ENV } from "../config/instruments.ts";

export function usageText(program: string): string {
  return `
Usage: ${program} [options] DEST command...

Sends one IMPv2 command to node DEST through an ISIS server and waits for
the DONE: or ERROR: reply. Every '=' in the command is sent as a space.
Options go before DEST; every word after DEST is part of the command.

Instrument (default: from the host name, mods1... or mods2...):
  --mods1               send command to MODS1 (alias: -m 1)
  --mods2               send command to MODS2 (alias: -m 2)
  -m N, --mods N        send command to MODS N, 1 or 2
  --instrument NAME     send through the server of the table's [NAME] section
                        (a lab or test server: several may run on one host)
  --config FILE         the instrument table (default: $${INSTRUMENTS_ENV},
                        else ${DEFAULT_INSTRUMENTS_PATH})

Any ISIS server, no instrument table:
  --host HOST[:PORT]    the server's address (port default ${DEFAULT_ISIS_PORT})
  --server ID           the server's node name (default ${DEFAULT_SERVER_ID})
  --id NAME             our node name (default ${DEFAULT_CLIENT_ID})
  (--host, --server and --id also override the instrument table)

Options:
  -t SEC, --timeout SEC give up after SEC seconds with no reply
                        (default 0: wait for the reply, Ctrl+C to stop)
  -v, --verbose         echo the command, show replies in full
  -V, --version         print the version
  -h, --help            print this help

Exit status: 0 DONE:, 2 ERROR:/FATAL:/timeout/no instrument,
1 bad usage, 130 interrupted.

Example: ${program} --mods1 m1.ie filter 1
`;
}
