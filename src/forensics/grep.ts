// `isis log grep`: the log lines that match, as written (control bytes
// shown as \xNN), coloured by kind on a terminal, or one JSON object per
// line for scripts.
import { BODY_KINDS } from "../protocol/body-kind.ts";
import { escapeControls } from "../protocol/escape.ts";
import { NOTE_KINDS } from "../protocol/log-grammar.ts";
import { type Entry, entryKind, entryText } from "./entry.ts";
import { stampOf } from "./facts.ts";
import type { Style } from "./render.ts";

/** Every name `--type` takes. */
export const GREP_TYPES: readonly string[] = [...new Set([...BODY_KINDS.map((k) => k.toLowerCase()), ...NOTE_KINDS, "log", "unknown"])];

export interface GrepFilter {
  /** Upper case; `M1.*` matches by prefix. Empty: any. */
  readonly nodes: readonly string[];
  /** Empty: any. */
  readonly types: ReadonlySet<string>;
  readonly since?: number;
  readonly until?: number;
}

/** Node names a line is about: a message's sender and destination, a note's client names (those a loss was lost to, an eviction's newcomer). */
function nodesOf(entry: Entry): string[] {
  if (entry.type === "message") return [entry.src, entry.dest];
  if (entry.type !== "note") return [];
  const f = entry.fields;
  const names = [f.name, f.requester, f.target, f.newcomer].filter((n): n is string => n !== undefined);
  return f.names === undefined ? names : [...names, ...f.names.split(" ")];
}

const matchesNode = (patterns: readonly string[], name: string): boolean =>
  patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));

export function matches(entry: Entry, filter: GrepFilter): boolean {
  // The dashes before each `(re)started` line say nothing it does not; a line with no stamp has no time to filter by.
  if (entry.type === "rule") return false;
  if (entry.type === "garbage")
    return filter.nodes.length === 0 && filter.since === undefined && filter.until === undefined && (filter.types.size === 0 || filter.types.has("unknown"));
  if (filter.since !== undefined && entry.at < filter.since) return false;
  if (filter.until !== undefined && entry.at > filter.until) return false;
  if (filter.types.size > 0 && !filter.types.has(entryKind(entry))) return false;
  if (filter.nodes.length === 0) return true;
  return nodesOf(entry).some((n) => matchesNode(filter.nodes, n.toUpperCase()));
}

const COLORS: Record<string, string> = {
  error: "31",
  fatal: "1;31",
  done: "36",
  status: "33",
  warning: "33",
  refused: "35",
  bad: "35",
  flood: "35",
  loss: "31",
  loop: "35",
  server: "1",
  log: "2",
  unknown: "2",
};

/** One line for a person: the log line as written, the stamp dimmed and the text coloured by kind. */
export function formatLine(entry: Entry, style: Style): string {
  const line = escapeControls(entry.line);
  if (!style.color || entry.type === "rule" || entry.type === "garbage") return line;
  const color = COLORS[entryKind(entry)];
  const stampEnd = entry.type === "opened" ? 0 : 26;
  const text = line.slice(stampEnd);
  return `\x1b[2m${line.slice(0, stampEnd)}\x1b[0m${color ? `\x1b[${color}m${text}\x1b[0m` : text}`;
}

/** One line for a script: the fields of the entry as JSON. */
export function jsonLine(entry: Entry): string {
  switch (entry.type) {
    case "message":
      return JSON.stringify({
        at: stampOf(entry.at),
        kind: entryKind(entry),
        src: entry.src,
        dest: entry.dest,
        body: entry.body,
        word: entry.info.word,
        text: entryText(entry),
      });
    case "note":
      return JSON.stringify({ at: stampOf(entry.at), kind: entry.note.kind, event: entry.note.event, fields: entry.fields, text: entry.text });
    case "unknown":
    case "opened":
      return JSON.stringify({ at: stampOf(entry.at), kind: entryKind(entry), text: entryText(entry) });
    default:
      return JSON.stringify({ at: null, kind: entryKind(entry), text: entry.line });
  }
}
