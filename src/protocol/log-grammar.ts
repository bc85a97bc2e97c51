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
export type NoteKind = "client" | "hb" | "command" | "refused" | "bad" | "flood" | "server" | "log" | "serial" | "preset" | "loss" | "loop";

export const NOTE_KINDS: readonly NoteKind[] = ["client", "hb", "command", "refused", "bad", "flood", "server", "log", "serial", "preset", "loss", "loop"];

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
  const format = formatter(parts, fields) as LogNote<T>["format"];
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

type Values = Readonly<Record<string, string | number>>;

/**
 * The text of a note: its literals and field values in turn. The server
 * formats a completion line per answered command, so up to six fields the
 * concatenation is written out, one closure per field count, as a template
 * literal: as fast as a template literal over the same values (`+` on the
 * captured strings cost twice as much; bench/log-notes.ts). Notes with the
 * same field count share a closure, whose field reads then see all of them.
 * Wider templates take the loop.
 */
function formatter(parts: readonly string[], fields: readonly string[]): (v: Values) => string {
  const [p0 = "", p1 = "", p2 = "", p3 = "", p4 = "", p5 = "", p6 = ""] = parts;
  const [f0 = "", f1 = "", f2 = "", f3 = "", f4 = "", f5 = ""] = fields;
  switch (fields.length) {
    case 0:
      return () => p0;
    case 1:
      return (v) => `${p0}${v[f0]}${p1}`;
    case 2:
      return (v) => `${p0}${v[f0]}${p1}${v[f1]}${p2}`;
    case 3:
      return (v) => `${p0}${v[f0]}${p1}${v[f1]}${p2}${v[f2]}${p3}`;
    case 4:
      return (v) => `${p0}${v[f0]}${p1}${v[f1]}${p2}${v[f2]}${p3}${v[f3]}${p4}`;
    case 5:
      return (v) => `${p0}${v[f0]}${p1}${v[f1]}${p2}${v[f2]}${p3}${v[f3]}${p4}${v[f4]}${p5}`;
    case 6:
      return (v) => `${p0}${v[f0]}${p1}${v[f1]}${p2}${v[f2]}${p3}${v[f3]}${p4}${v[f4]}${p5}${v[f5]}${p6}`;
    default:
      return (v) => {
        let text = p0;
        for (let i = 0; i < fields.length; i++) text += `${v[fields[i] as string]}${parts[i + 1]}`;
        return text;
      };
  }
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
/** Datagrams to a client came back unreachable (ICMP): said once, until it is heard from again. */
export const CLIENT_UNREACHABLE = defineNote("client", "unreachable", "Client {name} ({address}) is unreachable: {reason...}");
export const CLIENT_REACHABLE = defineNote("client", "reachable", "Client {name} ({address}) heard from again after {seconds} s unreachable");
/** The table was full: a provably dead client's slot went to a newcomer. */
export const CLIENT_EVICTED = defineNote(
  "client",
  "evicted",
  "Host table full: evicted {name} ({address...}) from slot {slot} for {newcomer} ({from...}): {reason...}",
);
/** The server took a name out of the table: a refused monitor's, a lapsed monitor's. */
export const CLIENT_REMOVED = defineNote("client", "removed", "Removed {name} ({address...}) from the host table: {reason...}");
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
/** A sender still limited when the guard stops (the server stopping, FloodLimit turned off): what its limit cost (STATS flooded). */
export const FLOOD_LIFTED = defineNote("flood", "lifted", "flood: {sender...} no longer limited ({why...}); {dropped} datagrams from it were dropped");
/** Datagrams the kernel dropped in front of the server's socket while it was overloaded, said once the overload is over (STATS kernelDropped). */
export const KERNEL_DROPPED = defineNote(
  "flood",
  "kernel",
  "overload: the kernel dropped {count} datagrams in front of the server's socket in {seconds} s (its queue was full)",
);

export const SERVER_STARTED = defineNote("server", "started", "Server started as host {id} on port {port}, isis {version}, rcFile={rcFile...}");
export const SERVER_STOPPING = defineNote("server", "stopped", "Server shutting down ({reason...})");
/** RESTART, SIGHUP or a console `restart` reloaded the config (a burst of them shares one reload). */
export const SERVER_RESTARTED = defineNote("server", "restarted", "Server restarted: configuration reloaded from {rcFile...}");
export const SERVER_RESTART_REFUSED = defineNote("server", "restart-refused", "Server restart refused: {reason...}");

/** Entries the runtime log could not write (queue full, disk trouble), written once it can again. */
export const LOG_LOST = defineNote("log", "lost", "Runtime log lost {count} entries ({reason...})");
/** The file was removed or replaced under the server (rm, logrotate without copytruncate): the first entry of the file opened in its place. */
export const LOG_REOPENED = defineNote("log", "reopened", "Runtime log reopened: {reason...}");

// Datagrams and lines that were not delivered, one line each (STATS dropped).
// `text` is the start of what was lost, quoted (core/preview.ts); `names` the
// clients at that address. The port's line first: a UDP reason never starts
// with `the port`; an address alone before one with names (an address has no
// `: ` in it, names are in parentheses).
/** The server held it: a serial port down or backlogged, or the address is the server's own socket. */
export const NOT_DELIVERED_PORT = defineNote("loss", "port", "Not delivered to {address...} ({name}): the port {state...}: {text...}");
/** An ICMP report that did not say where (Bun read it first). */
export const NOT_DELIVERED_UNNAMED = defineNote("loss", "unreachable", "Not delivered to a destination the report did not name: {reason...}");
/** Came back unreachable (ICMP; STATS unreachable). */
export const NOT_DELIVERED_NOBODY = defineNote("loss", "unreachable", "Not delivered to {address}: {reason...}: {text...}");
export const NOT_DELIVERED = defineNote("loss", "unreachable", "Not delivered to {address} ({names...}): {reason...}: {text...}");
/** The kernel would not send it, even after retries (STATS notSent). */
export const NOT_SENT_NOBODY = defineNote("loss", "not-sent", "Not sent to {address}: {reason...}: {text...}");
export const NOT_SENT = defineNote("loss", "not-sent", "Not sent to {address} ({names...}): {reason...}: {text...}");

// Loops through the server itself, cut at their first turn (STATS loops); the event is the loop's kind.
/** Not sent: the address is the server's own socket. The others were dropped on arrival. */
export const LOOP_NOT_SENT = defineNote("loop", "own-socket", "Cut a loop: not sent to {address}, this server's own socket: {text...}");
export const LOOP_OWN_SOCKET = defineNote("loop", "own-socket", "Cut a loop: dropped a datagram from {address}, this server's own socket: {text...}");
export const LOOP_OWN_NAME = defineNote("loop", "own-name", "Cut a loop: dropped a message from {address...} in the name of the server or of AL: {text...}");
export const LOOP_SERIAL_ECHO = defineNote("loop", "serial-echo", "Cut a loop: dropped an echo on {address...} of what the server sent there: {text...}");
export const LOOP_RETURNED = defineNote("loop", "returned", "Cut a loop: dropped a message that came back from {address}, where it was routed: {text...}");

export const SERIAL_UP = defineNote("serial", "up", "Serial port {index} ({device}) is up: {reason...}");
export const SERIAL_DOWN = defineNote("serial", "down", "Serial port {index} ({device}) is down: {reason...}");
export const SERIAL_BACKLOG = defineNote("serial", "backlog", "Serial port {index} ({device}): {detail...}");

export const PRESET_ANSWERED = defineNote("preset", "answered", "preset port {address} answered after {count} more PINGs");
export const PRESET_SILENT = defineNote("preset", "silent", "preset port {address} silent: PING {count} sent, next in {seconds} s");
/** A UDPPort naming the server's own address and port: never PINGed (at start and after each reload). */
export const PRESET_OWN_ADDRESS = defineNote(
  "preset",
  "own-address",
  "UDPPort {host} {port} is this server's own address and port: it is never PINGed (a loop)",
);

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
  CLIENT_UNREACHABLE,
  CLIENT_REACHABLE,
  CLIENT_EVICTED,
  CLIENT_REMOVED,
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
  FLOOD_LIFTED,
  KERNEL_DROPPED,
  SERVER_STARTED,
  SERVER_STOPPING,
  SERVER_RESTARTED,
  SERVER_RESTART_REFUSED,
  LOG_LOST,
  LOG_REOPENED,
  NOT_DELIVERED_PORT,
  NOT_DELIVERED_UNNAMED,
  NOT_DELIVERED_NOBODY,
  NOT_DELIVERED,
  NOT_SENT_NOBODY,
  NOT_SENT,
  LOOP_NOT_SENT,
  LOOP_OWN_SOCKET,
  LOOP_OWN_NAME,
  LOOP_SERIAL_ECHO,
  LOOP_RETURNED,
  SERIAL_UP,
  SERIAL_DOWN,
  SERIAL_BACKLOG,
  PRESET_ANSWERED,
  PRESET_SILENT,
  PRESET_OWN_ADDRESS,
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
