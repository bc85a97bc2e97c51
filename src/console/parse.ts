// What a line typed at the server's console means. Pure: the session acts on
// the result. Per IMPv2 §6 a console line is an EXEC: the node sends itself,
// so anything that is not a keyboard command or a `>NAME text` send is run
// as a server command.
import { splitWords } from "../protocol/words.ts";

/** Commands the console handles itself; they never reach the server command table. */
export const KEYBOARD_COMMANDS = ["quit", "hosts", "info", "help", "verbose", "concise", "history"] as const;
export type KeyboardCommand = (typeof KEYBOARD_COMMANDS)[number];

export type ConsoleAction =
  /** A blank line: nothing to do (the prompt comes back). */
  | { readonly kind: "empty" }
  | { readonly kind: "keyboard"; readonly command: KeyboardCommand }
  /** `>NAME text`: send `ID>NAME text` to one client, or to all when NAME is AL/ALL. */
  | { readonly kind: "send"; readonly dest: string; readonly broadcast: boolean; readonly text: string }
  /** Anything else: a server command body, run as the server itself. */
  | { readonly kind: "server"; readonly body: string }
  /** A line that cannot be acted on; `message` says why (printed as is). */
  | { readonly kind: "invalid"; readonly message: string };

const KEYBOARD: ReadonlySet<string> = new Set(KEYBOARD_COMMANDS);

export function parseConsoleLine(line: string): ConsoleAction {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  if (text.startsWith(">")) return parseSend(text.slice(1));

  const parts = splitWords(text);
  const first = (parts[0] ?? "").toLowerCase();
  // `quit` in any spelling (QUIT, EXEC: QUIT, REQ: QUIT) is the console's own
  // quit, so the shutdown notice always goes out before the server stops.
  const command = first === "exec:" || first === "req:" ? (parts[1] ?? "").toLowerCase() : first;
  if (command === "quit") return { kind: "keyboard", command: "quit" };
  // Keyboard commands take no arguments; only the bare word is one, so that
  // e.g. `hosts` shows the console's table while `EXEC: HOSTS` asks the server.
  if (parts.length === 1 && KEYBOARD.has(first)) return { kind: "keyboard", command: first as KeyboardCommand };
  return { kind: "server", body: text };
}

function parseSend(rest: string): ConsoleAction {
  const space = rest.indexOf(" ");
  const dest = (space === -1 ? rest : rest.slice(0, space)).toUpperCase();
  const text = space === -1 ? "" : rest.slice(space + 1).trim();
  if (dest === "" || text === "") return { kind: "invalid", message: "usage: >NAME text  (send to client NAME; >AL text sends to all)" };
  const broadcast = dest === "AL" || dest === "ALL";
  return { kind: "send", dest: broadcast ? "AL" : dest, broadcast, text };
}
