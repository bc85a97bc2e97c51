// IMPv2.5 message parsing: pure functions, no I/O. See shared/spec/impv2.md.
import { escapeControls, refusedControlAt } from "./escape.ts";

/** Maximum message length in bytes, terminator included (IMPv2.5 §3.1.3). */
export const MAX_MESSAGE_BYTES = 2048;

/** The broadcast address AL and its accepted alias ALL (§3.2.3). */
export const isBroadcast = (dest: string): boolean => dest === "AL" || dest === "ALL";

/** A well-formed message. Names are upper-cased; body is as received, terminator stripped. */
export interface Message {
  readonly src: string;
  readonly dest: string;
  /** Everything after the address header and its separating spaces; "" for a heartbeat. */
  readonly body: string;
  /** The whole message as received, terminator stripped (what the runtime log records). */
  readonly line: string;
  /**
   * The message as the server forwards it, `SRC>DEST body\r` (`SRC>DEST\r`
   * for a heartbeat): the datagram itself when it already has that form.
   */
  readonly wire: string;
}

/** Why a message was refused: over the size limit, a control byte inside it, or anything else wrong with it (its header). */
export type ParseFailure = "oversized" | "control" | "malformed";

export interface ParseOptions {
  /**
   * Take a message with control bytes other than NUL in it as one message:
   * for a reader that only shows it (escaped), such as `isis cmd` reading a
   * reply an older server forwarded. The server refuses them (the default).
   */
  readonly keepControls?: boolean;
}

const REFUSE_CONTROLS: ParseOptions = {};

export type ParseResult = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reason: string; readonly failure: ParseFailure };

const NODE_NAME = /^[A-Za-z0-9._]{2,8}$/;

/** Node names: 2 to 8 letters, digits, `.` or `_` (§3.2). */
export const isValidNodeName = (name: string): boolean => NODE_NAME.test(name);

/** Why a node name is invalid, or undefined when it is fine. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "empty node name";
  if (name.length < 2) return `node name '${name}' is shorter than 2 characters`;
  if (name.length > 8) return `node name '${cutText(name, 24)}' is longer than 8 characters`;
  if (!NODE_NAME.test(name)) return `node name '${name}' has characters other than letters, digits, '.' and '_'`;
  return undefined;
}

/**
 * Where the terminator of `raw` starts: one trailing `\n`, then one trailing
 * `\r`, are the terminator, as the reference server has it.
 */
function terminatorAt(raw: string): number {
  let end = raw.length;
  if (end > 0 && raw.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && raw.charCodeAt(end - 1) === 13) end--;
  return end;
}

/**
 * Parse one message (a datagram or a serial line, already decoded as latin1
 * so that one char is one byte). Never throws: anything that is not a
 * well-formed IMPv2 message comes back as a reason to log.
 *
 * It scans `raw` in place up to the terminator: a substring of it made first
 * would be copied on its first use, for every message.
 */
export function parseMessage(raw: string, options: ParseOptions = REFUSE_CONTROLS): ParseResult {
  const end = terminatorAt(raw);
  // The limit counts the terminator: one without is forwarded with one, so it must fit too.
  if (raw.length > MAX_MESSAGE_BYTES || end + 1 > MAX_MESSAGE_BYTES)
    return fail(`oversized message (${raw.length} bytes, limit ${MAX_MESSAGE_BYTES})`, "oversized");
  // One datagram, one message: a line break (or another control byte) inside it is refused, not escaped.
  const control = options.keepControls ? raw.indexOf("\0") : refusedControlAt(raw, end);
  if (control !== -1) return fail(controlProblem(raw.charCodeAt(control)), "control");
  let start = 0;
  // Leading spaces are tolerated: the header is the first token.
  while (start < end && raw.charCodeAt(start) === 32) start++;
  let space = raw.indexOf(" ", start);
  if (space === -1) space = end;
  const gt = raw.indexOf(">", start);
  if (gt === -1 || gt > space) return fail("no '>' in the address header");
  const srcForm = nameForm(raw, start, gt);
  if (srcForm === NameForm.Invalid) return fail(`bad sender: ${nodeNameProblem(raw.slice(start, gt))}`);
  const destForm = nameForm(raw, gt + 1, space);
  if (destForm === NameForm.Invalid) return fail(`bad destination: ${nodeNameProblem(raw.slice(gt + 1, space))}`);
  const src = srcForm === NameForm.Upper ? raw.slice(start, gt) : raw.slice(start, gt).toUpperCase();
  const dest = destForm === NameForm.Upper ? raw.slice(gt + 1, space) : raw.slice(gt + 1, space).toUpperCase();
  const line = end === raw.length ? raw : raw.slice(0, end);
  let bodyStart = space;
  while (bodyStart < end && raw.charCodeAt(bodyStart) === 32) bodyStart++;
  if (bodyStart === end) return { ok: true, message: { src, dest, body: "", line, wire: `${src}>${dest}\r` } };
  const body = raw.slice(bodyStart, end);
  // Usually the datagram is already `SRC>DEST body\r` and is forwarded as it came.
  const asForwarded =
    start === 0 && srcForm === NameForm.Upper && destForm === NameForm.Upper && bodyStart === space + 1 && end === raw.length - 1 && raw.charCodeAt(end) === 13;
  return { ok: true, message: { src, dest, body, line, wire: asForwarded ? raw : `${src}>${dest} ${body}\r` } };
}

enum NameForm {
  Invalid,
  Upper,
  /** Valid, with lower-case letters to upper-case. */
  Mixed,
}

/** For each ASCII code: 1 for upper-case letters, digits, `.` and `_`, 2 for lower-case letters, 0 for the rest. */
const NAME_CHARS = (() => {
  const table = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._") table[c.charCodeAt(0)] = NameForm.Upper;
  for (const c of "abcdefghijklmnopqrstuvwxyz") table[c.charCodeAt(0)] = NameForm.Mixed;
  return table;
})();

/**
 * Whether `text[start, end)` is a valid node name, and one already in upper
 * case. The same rule as NODE_NAME, without a regular expression or a
 * string: this runs twice per message.
 */
function nameForm(text: string, start: number, end: number): NameForm {
  const length = end - start;
  if (length < 2 || length > 8) return NameForm.Invalid;
  let form = NameForm.Upper;
  for (let i = start; i < end; i++) {
    const kind = NAME_CHARS[text.charCodeAt(i)];
    if (!kind) return NameForm.Invalid;
    if (kind === NameForm.Mixed) form = NameForm.Mixed;
  }
  return form;
}

/** The node name `text[start, end)` upper-cased, or undefined when it is not a valid one (no regular expression: the log reader calls this for every line). */
export function nodeNameAt(text: string, start: number, end: number): string | undefined {
  const form = nameForm(text, start, end);
  if (form === NameForm.Invalid) return undefined;
  const name = text.slice(start, end);
  return form === NameForm.Upper ? name : name.toUpperCase();
}

/**
 * Why a message of `bytes` bytes (terminator included) must not be sent, or
 * undefined when it fits: a server drops what is over the limit, so the
 * sender would wait for an answer that cannot come.
 */
export function oversizeProblem(bytes: number): string | undefined {
  if (bytes <= MAX_MESSAGE_BYTES) return undefined;
  return `the message would be ${bytes} bytes, over the IMPv2 limit of ${MAX_MESSAGE_BYTES} bytes (terminator included)`;
}

/** Longest word a reply echoes whole (`Unrecognized ISIS command - WORD`); a longer one is cut. */
const MAX_ECHOED_WORD = 64;

/**
 * `text` cut to at most `max` characters, with a mark a reader cannot miss:
 * `...+N`, N the characters left out. No spaces in the mark, so a cut word
 * is still one word.
 */
export function cutText(text: string, max = MAX_ECHOED_WORD): string {
  if (text.length <= max) return text;
  let keep = max - 5;
  // The mark's length depends on the count it holds: shrink until both fit.
  while (keep > 0 && keep + 4 + String(text.length - keep).length > max) keep--;
  return `${text.slice(0, keep)}...+${text.length - keep}`;
}

/**
 * `body` as it may follow a header of `headerLength` characters (`IS>NAME `)
 * in one message: control bytes escaped (one message, one line) and cut
 * (cutText) where header, body and terminator would pass the IMPv2 limit.
 * The last guard on everything the server writes itself.
 */
export function sendableBody(headerLength: number, body: string): string {
  const oneLine = refusedControlAt(body, body.length) === -1 ? body : escapeControls(body);
  return cutText(oneLine, MAX_MESSAGE_BYTES - 1 - headerLength);
}

/** Format a message for the wire: `SRC>DEST body\r`. */
export const formatMessage = (src: string, dest: string, body: string): string => `${src}>${dest} ${body}\r`;

/** Why a message holding `byte` (see escape.ts, REFUSED_CONTROLS) is refused. */
const controlProblem = (byte: number): string => (byte === 0 ? "NUL byte in message" : `control byte 0x${byte.toString(16).padStart(2, "0")} in message`);

const fail = (reason: string, failure: ParseFailure = "malformed"): ParseResult => ({ ok: false, reason, failure });
