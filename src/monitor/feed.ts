// What a datagram from the server means to the monitor. Pure. The server
// sends a subscriber (README, "Seeing the system"):
//   ID>MON STATUS: MONITOR seq=N [cut=K] rx|tx|bad TEXT     a copy of the traffic
//   ID>MON STATUS: MONITOR seq=N LIVENESS|INFLIGHT|STATS ...  a snapshot page, each second
//   ID>MON DONE: MONITOR ON ... / ERROR: ...                  the answer to MONITOR ON
// and, like every client, it may be PINGed.
import { isBroadcast, parseMessage } from "../protocol/message.ts";
import { type ReportPage, readPage } from "../protocol/report-page.ts";
import { firstWord, splitWords } from "../protocol/words.ts";

export type SnapshotTopic = "LIVENESS" | "INFLIGHT" | "STATS";

export type FeedEvent =
  | { readonly kind: "copy"; readonly seq: number; readonly cut: number; readonly direction: "rx" | "tx" | "bad"; readonly text: string }
  | { readonly kind: "page"; readonly seq: number; readonly topic: SnapshotTopic; readonly page: SnapshotPage }
  | { readonly kind: "subscribed"; readonly text: string }
  | { readonly kind: "refused"; readonly text: string }
  /** A PING for us (or for all): answer PONG to `from`. */
  | { readonly kind: "ping"; readonly from: string }
  | { readonly kind: "ignored" };

/** A snapshot page: one page of a report (src/protocol/report-page.ts). */
export type SnapshotPage = ReportPage;

const TOPICS: ReadonlySet<string> = new Set(["LIVENESS", "INFLIGHT", "STATS"]);
const DIRECTIONS: ReadonlySet<string> = new Set(["rx", "tx", "bad"]);

export function readFeed(raw: string, self: string, server: string): FeedEvent {
  const parsed = parseMessage(raw);
  if (!parsed.ok) return { kind: "ignored" };
  const { src, dest, body } = parsed.message;
  if (dest !== self && !isBroadcast(dest)) return { kind: "ignored" };
  const type = firstWord(body).toUpperCase();
  if (type === "PING") return { kind: "ping", from: src };
  if (src !== server || dest !== self) return { kind: "ignored" };
  if (type === "STATUS:") return status(body);
  const rest = splitWords(body);
  if (type === "DONE:" && rest[1]?.toUpperCase() === "MONITOR" && rest[2]?.toUpperCase() === "ON") return { kind: "subscribed", text: body };
  if (type === "ERROR:" || type === "FATAL:") return { kind: "refused", text: body };
  return { kind: "ignored" };
}

function status(body: string): FeedEvent {
  // STATUS: MONITOR seq=N [cut=K] WORD ...
  const m = /^STATUS: +MONITOR +seq=(\d+) +(?:cut=(\d+) +)?(\S+) ?([\s\S]*)$/i.exec(body);
  if (!m) return { kind: "ignored" };
  const seq = Number(m[1]);
  const word = m[3] as string;
  const text = m[4] as string;
  if (DIRECTIONS.has(word)) return { kind: "copy", seq, cut: Number(m[2] ?? 0), direction: word as "rx" | "tx" | "bad", text };
  if (TOPICS.has(word)) return { kind: "page", seq, topic: word as SnapshotTopic, page: readPage(text) };
  return { kind: "ignored" };
}
