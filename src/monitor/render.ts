// The monitor's output. Pure: the full-screen view as a list of rows for a
// terminal of a given size, and the single line per message of plain mode.
// Text from the wire is made printable before it reaches a terminal.
import { escapeControls } from "../protocol/escape.ts";
import type { ClientRow, CommandRow, MonitorState, Table, TrafficLine } from "./state.ts";

export interface ViewFacts {
  /** `IS at 127.0.0.1:6600 as MON1234` */
  readonly title: string;
  /** `node=* type=*` */
  readonly filter: string;
  /** waiting: no answer to MONITOR ON yet; silent: nothing heard for a while. */
  readonly link: "waiting" | "watching" | "silent";
  readonly now: number;
  readonly rows: number;
  readonly cols: number;
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** `14:03:22.123 rx A1>B1 FILTER 2`, and how much the server cut off a long one. */
export function trafficLine(t: TrafficLine): string {
  return `${clock(t.at)} ${t.direction} ${escapeControls(t.text)}${t.cut > 0 ? ` [+${t.cut} bytes cut]` : ""}`;
}

function uptime(seconds: string | undefined): string {
  const s = Math.floor(Number(seconds ?? 0));
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return `${hms[0]}:${String(hms[1]).padStart(2, "0")}:${String(hms[2]).padStart(2, "0")}`;
}

const COUNTERS: ReadonlyArray<readonly [string, string]> = [
  ["received", "received"],
  ["routed", "routed"],
  ["broadcast", "broadcast"],
  ["replied", "replied"],
  ["malformed", "malformed"],
  ["oversized", "oversized"],
  ["unknownDestination", "unknown"],
  ["dropped", "dropped"],
];

function header(state: MonitorState, f: ViewFacts): string[] {
  const link = f.link === "waiting" ? "waiting for the server..." : f.link === "silent" ? "NO WORD FROM THE SERVER" : `watching ${f.filter}`;
  const first = `isis monitor  ${f.title}  ${link}  ${clock(f.now).slice(0, 8)} UTC  (q quits)`;
  const s = state.stats;
  const counts = s ? COUNTERS.map(([key, label]) => `${label} ${s[key] ?? "-"}`).join("  ") : "";
  return [first, s ? `up ${uptime(s.uptime)}  ${counts}  lost ${state.lost}` : `lost ${state.lost}`];
}

const col = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}~` : text.padEnd(width));

function clientLines(table: Table<ClientRow> | undefined, room: number): string[] {
  if (!table) return ["CLIENTS", "  (no snapshot yet)"];
  const f = table.fields;
  const title = `CLIENTS ${f.numClients ?? table.rows.length} (${f.numStale ?? 0} stale, stale after ${f.staleAfter ?? "?"} s)`;
  const head = `  ${"SLOT".padStart(4)} ${col("NAME", 9)}${col("TRANSPORT", 28)}${"IDLE s".padStart(11)}${"IN".padStart(9)}${"OUT".padStart(9)}${"RTT ms".padStart(10)}`;
  const rows = table.rows.map(
    (r) =>
      `  ${String(r.slot).padStart(4)} ${col(r.name, 9)}${col(r.via, 28)}${r.idle.padStart(11)}${r.messagesIn.padStart(9)}${r.messagesOut.padStart(9)}${r.rtt.padStart(10)}${r.stale ? "  STALE" : ""}`,
  );
  return [title, head, ...fit(rows, room)];
}

function commandLines(table: Table<CommandRow> | undefined, room: number): string[] {
  if (!table) return ["COMMANDS IN FLIGHT", "  (no snapshot yet)"];
  const f = table.fields;
  const title = `COMMANDS IN FLIGHT ${f.numOpen ?? table.rows.length} (${f.numLate ?? 0} late, timeout ${f.timeout ?? "?"} s, ${f.evicted ?? 0} evicted)`;
  if (table.rows.length === 0) return [title];
  const head = `  ${col("FROM>TO", 19)}${col("COMMAND", 14)}${"AGE s".padStart(11)}  ${col("STATE", 6)}LAST STATUS`;
  const rows = table.rows.map(
    (r) => `  ${col(r.route, 19)}${col(r.word, 14)}${r.age.padStart(11)}  ${col(r.late ? "LATE" : "ok", 6)}${escapeControls(r.progress)}`,
  );
  return [title, head, ...fit(rows, room)];
}

/** At most `room` rows; the last says how many more there are. */
function fit(rows: readonly string[], room: number): string[] {
  if (rows.length <= room) return [...rows];
  const shown = Math.max(0, room - 1);
  return [...rows.slice(0, shown), `  ... ${rows.length - shown} more`];
}

/** The whole screen, `f.rows` rows at most, each cut to `f.cols` columns. */
export function renderScreen(state: MonitorState, f: ViewFacts): string[] {
  const top = header(state, f);
  // Fixed rows: 2 header, a blank, 2+2 table titles and column heads, the traffic title.
  const free = Math.max(3, f.rows - 8);
  const clients = clientLines(state.clients, Math.max(1, Math.floor(free / 3)));
  const commands = commandLines(state.commands, Math.max(1, Math.floor(free / 4)));
  const used = top.length + 1 + clients.length + commands.length + 1;
  const trafficRoom = Math.max(1, f.rows - used);
  const traffic = state.traffic.slice(-trafficRoom).map((t) => `  ${trafficLine(t)}`);
  const all = [...top, "", ...clients, ...commands, `TRAFFIC (newest last)`, ...traffic];
  return all.slice(0, f.rows).map((line) => (line.length > f.cols ? line.slice(0, f.cols) : line));
}
