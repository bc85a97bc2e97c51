// What a message body is, by its first word or two (IMPv2.5 §3.3, §4): the
// server pairs requests with their replies by it and the monitor filters by
// it. Pure; called only for routed messages and while someone is watching.

/** A message type without its colon, or an out-of-band kind: PING, PONG, HB (heartbeat: no body). */
export type BodyKind = "REQ" | "EXEC" | "DONE" | "STATUS" | "WARNING" | "ERROR" | "FATAL" | "PING" | "PONG" | "HB";

export const BODY_KINDS: readonly BodyKind[] = ["REQ", "EXEC", "DONE", "STATUS", "WARNING", "ERROR", "FATAL", "PING", "PONG", "HB"];

export interface BodyInfo {
  readonly kind: BodyKind;
  /** The command word, upper case ("" when there is none). */
  readonly word: string;
}

const HEARTBEAT: BodyInfo = { kind: "HB", word: "" };

/**
 * `FILTER 2` is an implicit REQ of FILTER; `EXEC: QUIT` an EXEC of QUIT;
 * `DONE: filter X=1` a DONE of FILTER; `PING`/`PONG` (also after REQ:/EXEC:)
 * are out of band; an empty body is a heartbeat. Called for every routed
 * message, so it scans char codes and makes one string, the word.
 */
export function bodyInfo(body: string): BodyInfo {
  const n = body.length;
  if (n === 0) return HEARTBEAT;
  let start = skipSpaces(body, 0);
  let end = wordEnd(body, start);
  const kind = typeAt(body, start, end);
  if (kind === undefined) return outOfBand(upperWord(body, start, end), "REQ");
  start = skipSpaces(body, end);
  end = wordEnd(body, start);
  const word = upperWord(body, start, end);
  return kind === "REQ" || kind === "EXEC" ? outOfBand(word, kind) : { kind, word };
}

const outOfBand = (word: string, kind: BodyKind): BodyInfo =>
  word === "PING" ? { kind: "PING", word } : word === "PONG" ? { kind: "PONG", word } : { kind, word };

function skipSpaces(text: string, at: number): number {
  while (at < text.length && text.charCodeAt(at) === 32) at++;
  return at;
}

function wordEnd(text: string, at: number): number {
  while (at < text.length && text.charCodeAt(at) !== 32) at++;
  return at;
}

/** The last few command words made, reused while traffic repeats them (it does: REQ n, DONE: REQ n). */
const recentWords = ["", "", "", ""];
let nextRecent = 0;

/** `text[start, end)` in upper case: a recent word when it matches one, else a new string. */
function upperWord(text: string, start: number, end: number): string {
  const length = end - start;
  for (const word of recentWords) {
    if (word.length !== length) continue;
    let i = 0;
    while (i < length && upperCode(text.charCodeAt(start + i)) === word.charCodeAt(i)) i++;
    if (i === length) return word;
  }
  const word = text.slice(start, end).toUpperCase();
  recentWords[nextRecent] = word;
  nextRecent = (nextRecent + 1) % recentWords.length;
  return word;
}

/** The message types, by their length with the colon. */
const TYPES_BY_LENGTH: ReadonlyArray<ReadonlyArray<BodyKind>> = [[], [], [], [], ["REQ"], ["EXEC", "DONE"], ["ERROR", "FATAL"], ["STATUS"], ["WARNING"]];

/** The message type `text[start, end)` spells (`done:` included), without making a string; undefined if none. */
function typeAt(text: string, start: number, end: number): BodyKind | undefined {
  const length = end - start;
  if (length >= TYPES_BY_LENGTH.length || text.charCodeAt(end - 1) !== 58 /* : */) return undefined;
  for (const kind of TYPES_BY_LENGTH[length] as BodyKind[]) {
    let i = 0;
    while (i < kind.length && upperCode(text.charCodeAt(start + i)) === kind.charCodeAt(i)) i++;
    if (i === kind.length) return kind;
  }
  return undefined;
}

/** The upper-case code of an ASCII letter; anything else unchanged. */
const upperCode = (c: number): number => (c >= 97 && c <= 122 ? c - 32 : c);

/** Replies that end a command (§3.3). */
export const isFinal = (kind: BodyKind): boolean => kind === "DONE" || kind === "ERROR" || kind === "FATAL";

/** Replies that report progress of a command still running. */
export const isProgress = (kind: BodyKind): boolean => kind === "STATUS" || kind === "WARNING";

/** Requests that expect an answer. */
export const isRequest = (kind: BodyKind): boolean => kind === "REQ" || kind === "EXEC";
