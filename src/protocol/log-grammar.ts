// The runtime log's line grammar: every line the server writes, and what
// `isis log` reads back. Writers format their notes here and the reader
// parses them here, so the two cannot drift apart. (README: "Runtime log".)
//
//   LINE    = STAMP " " TEXT        an entry
//           | RULE                  30 dashes, then OPENED: the file was (re)opened
//           | OPENED
//   STAMP   = CCYY-MM-DDThh:mm:ss.uuuuuu   UTC, microseconds
//   OPENED  = ID " runtime log (re)started at UTC " STAMP
//   TEXT    = MESSAGE               the server's own parser accepts it: SRC>DEST [BODY]
//           | NOTE                  anything else: its first word and a template below
//
// A note's template is literal text with fields: `{name}` is one token (not
// empty, no spaces), `{name...}` free text. A field ends where the literal
// after it first occurs, so free text must not contain that literal; the
// last field runs to the end of the template. Every template starts with a
// literal word; the reader tries the templates of that word, in the order
// listed. A line that matches none is an unknown note: counted and
// shown, never an error.
//
// To add a line: add a note here (kind, event, template), write it with
// NOTE.format({...}) and describe it in the README's table.

/** Length of `2025-09-15T14:03:22.123456`. */
export const STAMP_LENGTH = 26;

/** The first line written whenever a log file is (re)opened. */
export const LOG_RULE = "------------------------------";

const OPENED = " runtime log (re)started at UTC ";

/** The second line written whenever a log file is (re)opened. */
export const formatLogOpened = (serverId: string, stamp: string): string => `${serverId}${OPENED}${stamp}`;

/** The server ID and stamp of an OPENED line, or undefined. */
export function parseLogOpened(line: string): { serverId: string; stamp: string } | undefined {
  const at = line.indexOf(OPENED);
  if (at <= 0 || line.length !== at + OPENED.length + STAMP_LENGTH || line.indexOf(" ") < at) return undefined;
  return { serverId: line.slice(0, at), stamp: line.slice(at + OPENED.length) };
}

/**
 * What a note is about; with the message types (req, done, error, ...) these
 * are the names `isis log grep --type` takes. `bad` is input that is not a
 * message, as for MONITOR's BAD.
 */
export type NoteKind = "client" | "hb" | "command" | "refused" | "bad" | "flood" | "server" | "log" | "serial" | "preset";

export const NOTE_KINDS: readonly NoteKind[] = ["client", "hb", "command", "refused", "bad", "flood", "server", "log", "serial", "preset"];

type FieldName<F extends string> = F extends `${infer N}...` ? N : F;
/** The field names of a template, as a union type: `"a" | "b"` for `"x {a} y {b...}"`. */
export type NoteFields<T extends string> = T extends `${string}{${infer F}}${infer Rest}` ? FieldName<F> | NoteFields<Rest> : never;

export interface LogNote<T extends string = string> {
  readonly kind: NoteKind;
  /** What happened, within its kind: `added`, `ended`, `started`... Several templates may share one. */
  readonly event: string;
  readonly template: T;
  /** The literal word every line of this note starts with. */
  readonly firstWord: string;
  /** The log text for these values. */
  format(values: Readonly<Record<NoteFields<T>, string | number>>): string;
  /** The fields of `text`, or undefined when it is not this note. */
  parse(text: string): Record<NoteFields<T>, string> | undefined;
}

const FIELD = /\{([A-Za-z]+)(\.\.\.)?\}/g;

/** Define a note. Throws on a template that could not be read back (a programming error, caught by the tests). */
export function defineNote<T extends string>(kind: NoteKind, event: string, template: T): LogNote<T> {
  const parts: string[] = [];
  const fields: string[] = [];
  const tokens: boolean[] = [];
  let last = 0;
  for (const m of template.matchAll(FIELD)) {
    const literal = template.slice(last, m.index);
    if (fields.length > 0 && literal === "") throw new Error(`log note '${template}': two fields with nothing between them`);
    parts.push(literal);
    fields.push(m[1] as string);
    tokens.push(m[2] === undefined);
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(template.slice(last));
  const firstWord = /^[^\s{]+(?= |$)/.exec(template)?.[0];
  if (firstWord === undefined) throw new Error(`log note '${template}' must start with a literal word`);
  const count = fields.length;
  const head = parts[0] as string;
  const tail = parts[count] as string;
  // The server formats a completion line per answered command: the template is
  // compiled into one concatenation, as fast as a template literal (a loop over
  // the fields cost twice as much). Literals and field names are our own.
  const body = fields.map((f, i) => ` + v[${JSON.stringify(f)}] + ${JSON.stringify(parts[i + 1])}`).join("");
  const format = new Function("v", `return ${JSON.stringify(head)}${body};`) as LogNote<T>["format"];
  return {
    kind,
    event,
    template,
    firstWord,
    format,
    // indexOf, not a regular expression: the reader parses a million of these a second.
    parse(text) {
      if (count === 0) return text === head ? ({} as Record<NoteFields<T>, string>) : undefined;
      if (!text.startsWith(head) || !text.endsWith(tail) || text.length < head.length + tail.length) return undefined;
      const out: Record<string, string> = {};
      const stop = text.length - tail.length;
      let at = head.length;
      for (let i = 0; i < count; i++) {
        // A field ends where the next literal first occurs; the last one runs to the template's end.
        const end = i === count - 1 ? stop : text.indexOf(parts[i + 1] as string, at);
        if (end === -1 || end > stop || (tokens[i] && (end === at || hasSpace(text, at, end)))) return undefined;
        out[fields[i] as string] = text.slice(at, end);
        at = end + (i === count - 1 ? 0 : (parts[i + 1] as string).length);
      }
      return out as Record<NoteFields<T>, string>;
    },
  };
}

function hasSpace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 32) return true;
  return false;
}

// --- The notes ------------------------------------------------------------
// Ours first; then the C server's (ISIS 3.1), so its files read too.

/** A client entered the host table (also the C server's words). */
export const CLIENT_ADDED = defineNote("client", "added", "Added UDP Client {name} on host {address}");
export const SERIAL_CLIENT_ADDED = defineNote("client", "added", "Added Serial Client {name} on device {address}");
/** A known client was heard from another address (an agent restarted on a new port). */
export const CLIENT_MOVED = defineNote("client", "moved", "Client {name} moved to {address}");
/** A message with no body (also the C server's words). */
export const HEARTBEAT = defineNote("hb", "heartbeat", "heartbeat {name} ({address})");

/** A routed command got its final answer; ms from the request's arrival to the answer's. */
export const COMMAND_ENDED = defineNote("command", "ended", "Command {requester}>{target} {word} ended with {outcome}: after {ms} ms");
/** The in-flight table was full: the oldest open command is no longer tracked. */
export const COMMAND_EVICTED = defineNote("command", "evicted", "In-flight table full: stopped tracking {requester}>{target} {word} (open {seconds} s)");

export const REFUSED_PINNED = defineNote("refused", "pin", "Refused message from {from} claiming {name}, which is pinned to {detail...}");
export const REFUSED_EXEC = defineNote("refused", "exec", "Refused executive request from {name} ({from}), not in ExecAllow: {input...}");
/** A reload pinned a name to somewhere other than where its route pointed: the route is dropped at once. */
export const REFUSED_ROUTE = defineNote(
  "refused",
  "pin-reload",
  "Refused the route of {name} to {address...}: the reloaded configuration pins it to {detail...}; removed from the host table",
);
/** Not a message; `reason` starts with `oversized` for one over 2048 bytes. */
export const MALFORMED = defineNote("bad", "malformed", "Ignored malformed message from {from}: {reason...}");
export const SERIAL_JUNK = defineNote("bad", "junk", "Ignored junk on serial port {index} ({device}): {reason...}");

export const FLOOD_LIMITED = defineNote(
  "flood",
  "limited",
  "flood: {sender...} sends faster than {rate} datagrams/s while the server is overloaded; dropping its excess so other clients are still served",
);
export const FLOOD_CALMED = defineNote("flood", "calmed", "flood: {sender...} calmed down; {dropped} datagrams from it were dropped");

export const SERVER_STARTED = defineNote("server", "started", "Server started as host {id} on port {port}, isis {version}, rcFile={rcFile...}");
export const SERVER_STOPPING = defineNote("server", "stopped", "Server shutting down ({reason...})");
/** RESTART, SIGHUP or a console `restart` reloaded the config (a burst of them shares one reload). */
export const SERVER_RESTARTED = defineNote("server", "restarted", "Server restarted: configuration reloaded from {rcFile...}");
export const SERVER_RESTART_REFUSED = defineNote("server", "restart-refused", "Server restart refused: {reason...}");

/** Entries the runtime log could not write (queue full, disk trouble), written once it can again. */
export const LOG_LOST = defineNote("log", "lost", "Runtime log lost {count} entries ({reason...})");
/** The file was removed or replaced under the server (rm, logrotate without copytruncate): the first entry of the file opened in its place. */
export const LOG_REOPENED = defineNote("log", "reopened", "Runtime log reopened: {reason...}");

export const SERIAL_UP = defineNote("serial", "up", "Serial port {index} ({device}) is up: {reason...}");
export const SERIAL_DOWN = defineNote("serial", "down", "Serial port {index} ({device}) is down: {reason...}");
export const SERIAL_BACKLOG = defineNote("serial", "backlog", "Serial port {index} ({device}): {detail...}");

export const PRESET_ANSWERED = defineNote("preset", "answered", "preset port {address} answered after {count} more PINGs");
export const PRESET_SILENT = defineNote("preset", "silent", "preset port {address} silent: PING {count} sent, next in {seconds} s");

/** The C server's lines (isisd.c, commands.c, interfaces.c). */
export const C_NOTES: readonly LogNote[] = [
  defineNote("server", "started", "Server started as host {id} on port {port}"),
  defineNote("server", "stopped", "Server shutdown normally"),
  defineNote("server", "quit", "Executive server shutdown request received"),
  defineNote("server", "restarted", "Server warm start initiated"),
  defineNote("server", "reloading", "Reloading initialization file {rcFile...}"),
  defineNote("server", "pinging", "Pinging clients"),
  defineNote("server", "restart-done", "Warm restart completed"),
  defineNote("server", "cold-start", "Server cold start initiated"),
  defineNote("server", "cold-start-done", "Server cold start done"),
  defineNote("server", "daemon", "isisd daemon session start"),
  defineNote("server", "error", "ERROR: {text...}"),
  defineNote("server", "error", "ERROR {text...}"),
  defineNote("server", "error", "Error: {text...}"),
  defineNote("server", "error", "Error {text...}"),
  defineNote("server", "warning", "WARNING: {text...}"),
  defineNote("server", "notice", "NOTICE: {text...}"),
];

/** Every note, in the order they are tried. */
export const NOTES: readonly LogNote[] = [
  CLIENT_ADDED,
  SERIAL_CLIENT_ADDED,
  CLIENT_MOVED,
  HEARTBEAT,
  COMMAND_ENDED,
  COMMAND_EVICTED,
  REFUSED_PINNED,
  REFUSED_EXEC,
  REFUSED_ROUTE,
  MALFORMED,
  SERIAL_JUNK,
  FLOOD_LIMITED,
  FLOOD_CALMED,
  SERVER_STARTED,
  SERVER_STOPPING,
  SERVER_RESTARTED,
  SERVER_RESTART_REFUSED,
  LOG_LOST,
  LOG_REOPENED,
  SERIAL_UP,
  SERIAL_DOWN,
  SERIAL_BACKLOG,
  PRESET_ANSWERED,
  PRESET_SILENT,
  ...C_NOTES,
];

/** The notes by the first character of their first word: a line costs no string to find its candidates. */
const byFirstChar: LogNote[][] = Array.from({ length: 128 }, () => []);
for (const note of NOTES) byFirstChar[note.firstWord.charCodeAt(0) & 127]?.push(note);

export interface MatchedNote {
  readonly note: LogNote;
  readonly fields: Readonly<Record<string, string>>;
}

/** The note `text` is, with its fields; undefined for an unknown one. */
export function matchNote(text: string): MatchedNote | undefined {
  const c = text.charCodeAt(0);
  if (!(c < 128)) return undefined;
  for (const note of byFirstChar[c] as LogNote[]) {
    const fields = note.parse(text);
    if (fields) return { note, fields };
  }
  return undefined;
}
