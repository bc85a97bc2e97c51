// What a message body is, by its first word or two (IMPv2.5 §3.3, §4): the
// server pairs requests with their replies by it and the monitor filters by
// it. Pure; called only for routed messages and while someone is watching.
import { skipSpaces, splitWords, wordEnd } from "./words.ts";

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
 * are out of band; an empty body is a heartbeat. Words are read as the
 * agents read them (readHead). Called for every routed message, so it scans
 * char codes and makes one string, the word.
 */
export function bodyInfo(body: string): BodyInfo {
  if (body.length === 0) return HEARTBEAT;
  readHead(body);
  const word = upperWord(body, head.wordStart, head.wordEnd);
  const kind = head.type ?? "REQ";
  return kind === "REQ" || kind === "EXEC" ? outOfBand(word, kind) : { kind, word };
}

/** How an agent reads a request: its type, whether it is executive, and its words from the command on. */
export interface RequestWords {
  /** The type word (REQ, EXEC, DONE...); undefined when there is none (an implicit REQ:). */
  readonly type: BodyKind | undefined;
  /** An executive request: an agent would run it with EXEC:'s override. */
  readonly exec: boolean;
  /** The command word as written, then its arguments. */
  readonly words: string[];
}

/**
 * The one reading of a request body: the access check (is it executive?),
 * the server's commands (which command, which arguments) and the reply test
 * all go through readHead. Words are split at any C whitespace, as the
 * field's agents split them (words.ts). Beyond what the agents take, it is
 * strict the safe way: a type word glued to the command (`EXEC:QUIT`, read
 * by the agents as an unknown command) is the type and the command, and a
 * chain of request types (`REQ: EXEC: QUIT`, `EXEC: REQ: QUIT`) is one
 * request, executive if any link is EXEC:, so that no reader that strips a
 * REQ: first can find an EXEC: the server did not.
 */
export function readRequest(body: string): RequestWords {
  readHead(body);
  return { type: head.type, exec: head.exec, words: splitWords(body, head.wordStart) };
}

/** True when an agent would take `body` as an executive request (see readRequest). */
export function isExecutive(body: string): boolean {
  readHead(body);
  return head.exec;
}

/** True for bodies that answer a command (DONE:, STATUS:, WARNING:, ERROR:, FATAL:): never to be answered. */
export function isReply(body: string): boolean {
  readHead(body);
  const type = head.type;
  return type !== undefined && type !== "REQ" && type !== "EXEC";
}

/** What readHead found, reused for every body: the message path allocates nothing for it. */
const head = { type: undefined as BodyKind | undefined, exec: false, wordStart: 0, wordEnd: 0 };

function readHead(body: string): void {
  head.type = undefined;
  head.exec = false;
  let start = skipSpaces(body, 0);
  let end = wordEnd(body, start);
  for (;;) {
    const colon = typeWordEnd(body, start, end);
    if (colon < 0) break;
    const kind = typeAt(body, start, colon) as BodyKind;
    const request = kind === "REQ" || kind === "EXEC";
    // After REQ:/EXEC:, a reply's type word is the command (`REQ: DONE:`), as the agents have it.
    if (head.type !== undefined && !request) break;
    if (head.type === undefined || kind === "EXEC") head.type = kind;
    if (kind === "EXEC") head.exec = true;
    // `EXEC:QUIT`: the command starts right after the colon.
    start = colon < end ? colon : skipSpaces(body, end);
    end = wordEnd(body, start);
    if (!request) break;
  }
  head.wordStart = start;
  head.wordEnd = end;
}

/** If `text[start, end)` starts with a type word (`DONE:`, or `EXEC:` glued to more), the index after its colon; else -1. */
function typeWordEnd(text: string, start: number, end: number): number {
  const limit = Math.min(end, start + TYPES_BY_LENGTH.length - 1);
  for (let i = start + 3; i < limit; i++) {
    if (text.charCodeAt(i) === 58 /* : */) return typeAt(text, start, i + 1) === undefined ? -1 : i + 1;
  }
  return -1;
}

const outOfBand = (word: string, kind: BodyKind): BodyInfo =>
  word === "PING" ? { kind: "PING", word } : word === "PONG" ? { kind: "PONG", word } : { kind, word };

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
