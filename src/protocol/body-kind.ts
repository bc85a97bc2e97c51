// What a message body is, by its first word or two (IMPv2.5 §3.3, §4): the
// server pairs requests with their replies by it and the monitor filters by
// it. Pure; called only for routed messages and while someone is watching.
import { firstWord } from "./message.ts";

/** A message type without its colon, or an out-of-band kind: PING, PONG, HB (heartbeat: no body). */
export type BodyKind = "REQ" | "EXEC" | "DONE" | "STATUS" | "WARNING" | "ERROR" | "FATAL" | "PING" | "PONG" | "HB";

export const BODY_KINDS: readonly BodyKind[] = ["REQ", "EXEC", "DONE", "STATUS", "WARNING", "ERROR", "FATAL", "PING", "PONG", "HB"];

const TYPED: ReadonlySet<string> = new Set(["REQ:", "EXEC:", "DONE:", "STATUS:", "WARNING:", "ERROR:", "FATAL:"]);

export interface BodyInfo {
  readonly kind: BodyKind;
  /** The command word, upper case ("" when there is none). */
  readonly word: string;
}

/**
 * `FILTER 2` is an implicit REQ of FILTER; `EXEC: QUIT` an EXEC of QUIT;
 * `DONE: filter X=1` a DONE of FILTER; `PING`/`PONG` (also after REQ:/EXEC:)
 * are out of band; an empty body is a heartbeat.
 */
export function bodyInfo(body: string): BodyInfo {
  if (body === "") return { kind: "HB", word: "" };
  const first = firstWord(body);
  const upper = first.toUpperCase();
  if (!TYPED.has(upper)) return outOfBand(upper) ?? { kind: "REQ", word: upper };
  const word = firstWord(body.slice(body.indexOf(first) + first.length)).toUpperCase();
  const kind = upper.slice(0, -1) as BodyKind;
  if (kind === "REQ" || kind === "EXEC") return outOfBand(word) ?? { kind, word };
  return { kind, word };
}

function outOfBand(word: string): BodyInfo | undefined {
  if (word === "PING") return { kind: "PING", word };
  if (word === "PONG") return { kind: "PONG", word };
  return undefined;
}

/** Replies that end a command (§3.3). */
export const isFinal = (kind: BodyKind): boolean => kind === "DONE" || kind === "ERROR" || kind === "FATAL";

/** Replies that report progress of a command still running. */
export const isProgress = (kind: BodyKind): boolean => kind === "STATUS" || kind === "WARNING";

/** Requests that expect an answer. */
export const isRequest = (kind: BodyKind): boolean => kind === "REQ" || kind === "EXEC";
