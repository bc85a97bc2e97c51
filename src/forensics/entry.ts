// One runtime log line, classified by the grammar in protocol/log-grammar.ts.
// Works for our server's files and the C server's alike; never throws: a
// line that fits nothing is `garbage` (no stamp) or an `unknown` note.
import { type BodyInfo, bodyInfo } from "../protocol/body-kind.ts";
import { LOG_RULE, type LogNote, matchNote, parseLogOpened, STAMP_LENGTH } from "../protocol/log-grammar.ts";
import { nodeNameAt } from "../protocol/message.ts";

interface Stamped {
  /** ms since the epoch (UTC), with the µs as a fraction. */
  readonly at: number;
  /** The whole line as written (no newline). */
  readonly line: string;
}

export type Entry =
  /** A message as the log records it: names upper-cased, the body as received ("" for a heartbeat, which only the C server logs so). */
  | (Stamped & { readonly type: "message"; readonly src: string; readonly dest: string; readonly body: string; readonly info: BodyInfo })
  | (Stamped & { readonly type: "note"; readonly text: string; readonly note: LogNote; readonly fields: Readonly<Record<string, string>> })
  | (Stamped & { readonly type: "unknown"; readonly text: string })
  /** `ID runtime log (re)started at UTC STAMP`: the file was (re)opened. */
  | (Stamped & { readonly type: "opened"; readonly serverId: string })
  | { readonly type: "rule"; readonly line: string }
  /** No stamp and not a banner: not a line the server writes. */
  | { readonly type: "garbage"; readonly line: string };

/** The text after the stamp. */
export const entryText = (entry: Entry): string => ("text" in entry ? entry.text : entry.type === "message" ? entry.line.slice(STAMP_LENGTH + 1) : entry.line);

/**
 * Parse one line (without its newline; a trailing `\r` is tolerated).
 *
 * A message is a text whose first token is SRC>DEST with valid node names,
 * as the server's parser has it; not parseMessage itself, which this does
 * not need (a logged message has no terminator, its control bytes are
 * written as \xNN so it may be longer than 2048 bytes: only its header
 * decides), and which would cost a season's worth of allocations.
 */
export function parseEntry(raw: string): Entry {
  const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
  const at = stampMs(line, 0);
  if (at === undefined || line.charCodeAt(STAMP_LENGTH) !== 32) {
    if (line === LOG_RULE) return { type: "rule", line };
    const opened = parseLogOpened(line);
    if (opened) {
      const when = stampMs(opened.stamp, 0);
      if (when !== undefined) return { type: "opened", at: when, line, serverId: opened.serverId };
    }
    return { type: "garbage", line };
  }
  let start = STAMP_LENGTH + 1;
  while (line.charCodeAt(start) === 32) start++;
  let space = line.indexOf(" ", start);
  if (space === -1) space = line.length;
  let gt = start;
  while (gt < space && line.charCodeAt(gt) !== 62) gt++;
  if (gt < space) {
    const src = internName(line, start, gt);
    const dest = src === undefined ? undefined : internName(line, gt + 1, space);
    if (src !== undefined && dest !== undefined) {
      let bodyStart = space;
      while (line.charCodeAt(bodyStart) === 32) bodyStart++;
      const body = line.slice(bodyStart);
      return { type: "message", at, line, src, dest, body, info: bodyInfo(body) };
    }
  }
  const text = line.slice(STAMP_LENGTH + 1);
  const matched = matchNote(text);
  if (matched) return { type: "note", at, line, text, note: matched.note, fields: matched.fields };
  return { type: "unknown", at, line, text };
}

/**
 * A night has a few dozen node names and a million messages: each name is
 * made once and handed out again, so the replay's tables hash one string
 * per name rather than one per message. Open addressing on a small hash of
 * the characters; a collision just makes the name afresh.
 */
const NAME_SLOTS = 512;
const names: (string | undefined)[] = new Array(NAME_SLOTS).fill(undefined);

function internName(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  if (length < 2 || length > 8) return undefined;
  let hash = length;
  for (let i = start; i < end; i++) hash = (hash * 31 + (text.charCodeAt(i) & 0xdf)) | 0;
  const slot = hash & (NAME_SLOTS - 1);
  const known = names[slot];
  if (known !== undefined && known.length === length && sameName(known, text, start)) return known;
  const name = nodeNameAt(text, start, end);
  if (name !== undefined) names[slot] = name;
  return name;
}

/** `name` (upper case) is `text` from `start`, in any case. */
function sameName(name: string, text: string, start: number): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = text.charCodeAt(start + i);
    if ((c >= 97 && c <= 122 ? c - 32 : c) !== name.charCodeAt(i)) return false;
  }
  return true;
}

let cachedMinute = "";
let cachedMinuteMs = 0;

/**
 * `CCYY-MM-DDThh:mm:ss.uuuuuu` at `from` as ms since the epoch, or undefined.
 * Lines of one minute share their first 16 characters: the date is worked
 * out once a minute, so a long file costs a compare and eight digits a line.
 */
export function stampMs(text: string, from: number): number | undefined {
  if (text.length < from + STAMP_LENGTH || text.charCodeAt(from + 16) !== 58 || text.charCodeAt(from + 19) !== 46) return undefined;
  const s1 = text.charCodeAt(from + 17) - 48;
  const s2 = text.charCodeAt(from + 18) - 48;
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return undefined;
  let micros = 0;
  for (let i = from + 20; i < from + STAMP_LENGTH; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    micros = micros * 10 + d;
  }
  if (!(cachedMinute.length === 16 && text.startsWith(cachedMinute, from))) {
    const minute = minuteMs(text, from);
    if (minute === undefined) return undefined;
    cachedMinute = text.slice(from, from + 16);
    cachedMinuteMs = minute;
  }
  return cachedMinuteMs + (s1 * 10 + s2) * 1000 + micros / 1000;
}

/** Positions of the digits in `CCYY-MM-DDThh:mm`, and of its separators. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15];
const SEPARATORS: ReadonlyArray<[number, number]> = [
  [4, 45],
  [7, 45],
  [10, 84],
  [13, 58],
];

function minuteMs(text: string, from: number): number | undefined {
  for (const i of DIGITS) {
    const c = text.charCodeAt(from + i);
    if (c < 48 || c > 57) return undefined;
  }
  for (const [i, c] of SEPARATORS) if (text.charCodeAt(from + i) !== c) return undefined;
  // Digits already checked: two or four of them as a number, with no string made.
  const n = (a: number, b: number) => {
    let v = 0;
    for (let i = from + a; i < from + b; i++) v = v * 10 + text.charCodeAt(i) - 48;
    return v;
  };
  const month = n(5, 7);
  const ms = Date.UTC(n(0, 4), month - 1, n(8, 10), n(11, 13), n(14, 16));
  // Date.UTC rolls 2025-02-30 over into March: such a stamp is not one we wrote.
  const valid = month >= 1 && month <= 12 && new Date(ms).getUTCDate() === n(8, 10) && n(11, 13) < 24 && n(14, 16) < 60;
  return valid ? ms : undefined;
}

/** The kind `--type` filters by: the message type (req, done, error...), hb, or the note's kind. */
export function entryKind(entry: Entry): string {
  switch (entry.type) {
    case "message":
      return entry.body === "" ? "hb" : entry.info.kind.toLowerCase();
    case "note":
      return entry.note.kind;
    case "opened":
    case "rule":
      return "log";
    default:
      return "unknown";
  }
}
