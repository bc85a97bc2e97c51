// What a datagram that arrives while the client waits means for the command.
// Pure. The old client looked only at the second word; we also make sure the
// message is for us, so that a broadcast or a late answer to another
// program that uses the same node name cannot end our command.
import { isBroadcast, parseMessage } from "../protocol/message.ts";
import { firstWord } from "../protocol/words.ts";

export type ReplyKind =
  /** DONE: — the command succeeded. */
  | "done"
  /** ERROR: or FATAL: — the command failed. */
  | "failed"
  /** Anything else for us (STATUS:, WARNING:, ...): show it, keep waiting. */
  | "progress"
  /** Malformed, a heartbeat, or addressed to someone else: only shown with -v. */
  | "ignored";

export interface Reply {
  readonly kind: ReplyKind;
  /** The message without its address header (what the old client printed). */
  readonly body: string;
  /** The whole message, header included, terminator stripped. */
  readonly full: string;
  /** Why an ignored datagram was ignored. */
  readonly reason?: string;
}

export interface Conversation {
  /** Our node name. */
  readonly self: string;
  /** The node the command was sent to. */
  readonly dest: string;
  /** The server's node name: it answers for DEST when DEST cannot be reached. */
  readonly server: string;
  /** The command text as sent. */
  readonly command: string;
}

export function classifyReply(raw: string, talk: Conversation): Reply {
  const text = withoutTerminator(raw);
  // A reply is one datagram: a line break in it is shown escaped by the printer, never read as a line of its own.
  const parsed = parseMessage(text, { keepControls: true });
  if (!parsed.ok) return { kind: "ignored", body: "", full: text, reason: parsed.reason };
  const { src, dest, body } = parsed.message;
  const full = `${src}>${dest}${body === "" ? "" : ` ${body}`}`;
  if (body === "") return { kind: "ignored", body, full, reason: "heartbeat" };
  const self = talk.self.toUpperCase();
  if (dest !== self && !isBroadcast(dest)) return { kind: "ignored", body, full, reason: `addressed to ${dest}` };
  const target = talk.dest.toUpperCase();
  // Only DEST itself, or the server speaking for it, can end the command; a
  // broadcast to all never does.
  const answersUs = dest === self && (src === target || src === talk.server.toUpperCase() || isBroadcast(target) || refusesUs(body, self, target));
  if (!answersUs) return { kind: "progress", body, full };
  const type = firstWord(body).toUpperCase();
  if (type === "ERROR:" || type === "FATAL:") return { kind: "failed", body, full };
  if (type === "DONE:") return { kind: "done", body, full };
  // A PING is answered by PONG, never by DONE:; without this `isis cmd X ping` would wait forever.
  if (type === "PONG" && firstWord(talk.command).toUpperCase() === "PING") return { kind: "done", body, full };
  return { kind: "progress", body, full };
}

/**
 * Any run of CR and LF at the end is the terminator: the C server ends STATUS
 * with `\n\r`, which would otherwise print as a blank line. A loop, not
 * /[\r\n]+$/, which takes quadratic time on a datagram of newlines.
 */
function withoutTerminator(raw: string): string {
  let end = raw.length;
  for (let c = raw.charCodeAt(end - 1); c === 10 || c === 13; c = raw.charCodeAt(end - 1)) end--;
  return end === raw.length ? raw : raw.slice(0, end);
}

/**
 * A server's refusals of a request, whatever its node name (--host without
 * --server, an instrument whose server is not IS): the request went nowhere,
 * so nothing else will answer it. The words are the servers' own: the C
 * server's No Route and full table, ours for down ports, pins and ExecAllow.
 */
const REFUSALS = [
  "ERROR: NO ROUTE TO DESTINATION HOST {DEST}",
  "ERROR: CANNOT ROUTE TO {DEST}",
  "ERROR: NODE NAME {SELF} IS PINNED",
  "ERROR: EXEC: NOT ALLOWED FROM",
  "ERROR: SERVER HOST TABLE FULL,",
];

function refusesUs(body: string, self: string, target: string): boolean {
  // The trailing space makes each pattern end on a word boundary.
  const text = `${body.toUpperCase()} `;
  return REFUSALS.some((r) => text.startsWith(`${r.replace("{DEST}", target).replace("{SELF}", self)} `));
}
