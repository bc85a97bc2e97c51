// The summary as a report for a person: sections in the order the morning's
// questions come (did the server restart, who went silent, what failed or
// was slow, who flooded, how busy was it). Colour only on a terminal and
// without NO_COLOR; the text is the same either way.
import { escapeControls } from "../protocol/escape.ts";
import type { ClientSummary, CommandSummary, Summary } from "./summary.ts";

export interface Style {
  readonly color: boolean;
}

export const styleFor = (isTTY: boolean | undefined, env: Record<string, string | undefined>): Style => ({ color: isTTY === true && !env.NO_COLOR });

const SPARKS = "▁▂▃▄▅▆▇█";
const SPARKS_PER_ROW = 72;

export function renderSummary(s: Summary, style: Style): string {
  const paint = (code: string) => (text: string) => (style.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const bold = paint("1");
  const dim = paint("2");
  const red = paint("31");
  const yellow = paint("33");
  const days = new Set([s.first, s.last].filter((t): t is string => t !== null).map((t) => t.slice(0, 10))).size > 1;
  const time = (t: string | null) => (t === null ? "-" : days ? `${t.slice(5, 10)} ${t.slice(11, 19)}` : t.slice(11, 19));
  const out: string[] = [];
  const section = (title: string, note = "") => out.push("", bold(title) + (note ? `   ${dim(note)}` : ""));

  const what = s.range.night
    ? `night ${s.range.night.slice(0, 4)}-${s.range.night.slice(4, 6)}-${s.range.night.slice(6)}`
    : `${s.range.since ?? "the beginning"} to ${s.range.until ?? "now"}`;
  out.push(bold(`isis log summary: ${s.serverId}, ${what}`) + dim("   (times UTC)"));
  const bytes = s.range.files.reduce((n, f) => n + f.bytes, 0);
  out.push(
    `  ${plural(s.range.files.length, "file")}, ${megabytes(bytes)}, ${num(s.lines.total)} lines` +
      `${s.lines.unknown + s.lines.garbage > 0 ? yellow(` (${num(s.lines.unknown)} unknown, ${num(s.lines.garbage)} not log lines)`) : ""}` +
      `${s.first ? `, ${time(s.first)} to ${time(s.last)}` : ", no entries"}`,
  );
  for (const f of s.range.files) out.push(dim(`  ${f.path}`));

  section("Server");
  for (const e of s.server.events) {
    const text = `  ${time(e.at)}  ${e.event.padEnd(18)} ${escapeControls(e.detail)}`;
    out.push(e.event === "unclean-stop" || e.event === "restart-refused" || e.event === "log-lost" || e.event === "error" ? red(text) : text);
  }
  if (s.server.eventsOmitted > 0) out.push(dim(`  (${num(s.server.eventsOmitted)} earlier events not shown)`));
  const sv = s.server;
  out.push(
    `  ${plural(sv.starts, "start")}${sv.uncleanStops > 0 ? red(` (${sv.uncleanStops} after an unclean stop)`) : ""}, ${plural(sv.stops, "clean stop")}, ` +
      `${plural(sv.restarts, "restart")}${sv.restartsRefused > 0 ? red(`, ${plural(sv.restartsRefused, "restart")} refused`) : ""}`,
  );

  section("Clients", `silences longer than StaleAfter (${s.settings.staleAfter} s)`);
  if (s.clients.length === 0) out.push("  none heard");
  const nameWidth = Math.max(6, ...s.clients.map((c) => c.name.length));
  const addrWidth = Math.max(8, ...s.clients.map((c) => where(c).length));
  out.push(
    dim(
      `  ${"name".padEnd(nameWidth)}  ${"address".padEnd(addrWidth)}  ${"first".padEnd(time(s.first).length)}  ${"last".padEnd(time(s.first).length)}  ${"msgs".padStart(7)}  moves`,
    ),
  );
  for (const c of s.clients) {
    const silences = c.silences.map((g) =>
      g.to === null ? red(`silent since ${time(g.from)} (${span(g.seconds)})`) : `${time(g.from)}-${time(g.to)} (${span(g.seconds)})`,
    );
    if (c.silencesOmitted > 0) silences.push(`and ${c.silencesOmitted} more`);
    out.push(
      `  ${c.name.padEnd(nameWidth)}  ${where(c).padEnd(addrWidth)}  ${time(c.firstHeard)}  ${time(c.lastHeard)}  ${num(c.messages).padStart(7)}  ${String(c.moves).padStart(5)}` +
        (silences.length > 0 ? `  ${silences.join(", ")}` : ""),
    );
    // When its datagrams started coming back, and what ended it: the answer to "when did M1.IE stop answering".
    const indent = " ".repeat(nameWidth + 4);
    for (const u of c.unreachable) {
      const why = escapeControls(u.reason);
      out.push(
        u.to === null
          ? red(`${indent}unreachable since ${time(u.from)} (${span(u.seconds)}): ${why}`)
          : yellow(`${indent}unreachable ${time(u.from)}-${time(u.to)} (${span(u.seconds)}): ${why}; ${ENDED[u.ended ?? "heard"]}`),
      );
    }
    if (c.unreachableOmitted > 0) out.push(dim(`${indent}and ${c.unreachableOmitted} more unreachable spells`));
    for (const r of c.removals) out.push(`${indent}${r.how} ${time(r.at)}: ${escapeControls(r.detail)}`);
    if (c.removalsOmitted > 0) out.push(dim(`${indent}and ${c.removalsOmitted} more removals`));
  }

  section("Commands", `late: no answer or progress for CommandTimeout (${s.settings.commandTimeout} s)`);
  if (s.commands.length === 0) out.push("  none");
  else out.push(...commandRows(s.commands, red, yellow, dim));
  // Who stopped answering, and since when: the last answer of each destination with requests left unanswered.
  for (const [dest, w] of unanswered(s.commands)) {
    out.push(yellow(`  ${dest}: ${num(w.count)} unanswered (${w.words.join(", ")}); last answer ${w.last === null ? "none in the range" : time(w.last)}`));
  }

  section("Errors", `${num(s.errorsTotal)} ERROR:/FATAL: in all`);
  if (s.errors.length === 0) out.push("  none");
  for (const e of s.errors) {
    out.push(`  ${num(e.count).padStart(6)}  ${e.from.padEnd(8)} ${red(escapeControls(clip(e.text, 90)))}  ${dim(`${time(e.first)} to ${time(e.last)}`)}`);
  }

  section("Input refused or dropped");
  const i = s.input;
  out.push(
    `  malformed ${num(i.malformed)}, oversized ${num(i.oversized)}, serial junk ${num(i.junk)}; ` +
      `refused ${num(Object.values(i.refused).reduce((a, b) => a + b, 0))}${refusals(i.refused)}`,
  );
  if (i.flood.senders.length === 0 && i.flood.overloads === 0) out.push("  no flood");
  if (i.flood.overloads > 0) {
    out.push(yellow(`  overloaded ${i.flood.overloads}x: the kernel dropped ${num(i.flood.kernelDropped)} datagrams in front of the server's socket`));
  }
  for (const f of i.flood.senders) {
    out.push(
      yellow(
        `  flood: ${escapeControls(f.sender)} limited ${f.episodes}x, ${num(f.dropped)} datagrams dropped, ${time(f.first)} to ${time(f.last)}` +
          `${f.limitedAtEnd ? " (still limited)" : ""}`,
      ),
    );
  }

  const l = s.losses;
  section("Not delivered", "datagrams and lines lost after the server took them (STATS dropped)");
  if (l.total === 0) out.push("  none");
  else {
    out.push(
      red(
        `  ${num(l.total)} in all: ${num(l.unreachable)} came back unreachable, ${num(l.notSent)} the kernel would not send, ${num(l.port)} a port would not take`,
      ),
    );
    out.push(...lossRows(l, time, dim));
  }
  const loops = Object.entries(s.loops.kinds).map(([kind, n]) => `${kind} ${num(n)}`);
  out.push(`  loops cut: ${num(s.loops.total)}${loops.length > 0 ? ` (${loops.join(", ")}), ${time(s.loops.first)} to ${time(s.loops.last)}` : ""}`);
  out.push(`  host table: ${num(s.hostTable.evicted)} evicted for a newcomer, ${num(s.hostTable.removed)} removed`);

  section("Traffic", `messages per ${s.traffic.bucketSeconds / 60} min`);
  out.push(...sparkRows(s, time));

  const open = s.inFlightAtEnd;
  section("In flight at the end", `${open.open} open, ${open.late} late`);
  for (const c of open.commands.slice(0, 20)) {
    const text = `  ${c.requester}>${c.target} ${c.word}  sent ${time(c.sentAt)}, ${span(c.age)} ago${c.late ? ", late" : ""}`;
    out.push(c.late ? yellow(text) : text);
  }
  if (open.commands.length > 20) out.push(dim(`  and ${open.commands.length - 20} more`));

  const run = s.runs.at(-1);
  if (run) {
    section("Counters of the last run", run.complete ? "as STATS counts them" : "partial: the log does not hold all of this run");
    const c = run.counters;
    out.push(
      `  received=${c.received} routed=${c.routed} broadcast=${c.broadcast} replied=${c.replied} malformed=${c.malformed} oversized=${c.oversized} controlBytes=${c.controlBytes}`,
      `  unknownDestination=${c.unknownDestination} dropped=${c.dropped} notSent=${c.notSent} unreachable=${c.unreachable} refused=${c.refused} loops=${c.loops} hostsEvicted=${c.hostsEvicted}`,
      `  flooded=${c.flooded} kernelDropped=${c.kernelDropped}`,
      `  completed=${c.completed} unmatched=${c.unmatched} evicted=${c.evicted}`,
    );
  }
  const g = s.gaps;
  if (g.logOff + g.logLost + g.clockStepsBack > 0) {
    out.push("", red(`Gaps: log switched off ${g.logOff}x, ${num(g.logLost)} entries lost, clock stepped back ${g.clockStepsBack}x`));
  }
  for (const u of s.unknown.slice(0, 5)) out.push(dim(`  unknown line (${u.count}x): ${escapeControls(clip(u.text, 100))}`));
  return `${out.join("\n")}\n`;
}

function commandRows(rows: readonly CommandSummary[], red: (t: string) => string, yellow: (t: string) => string, dim: (t: string) => string): string[] {
  const shown = rows.slice(0, 40);
  const destWidth = Math.max(4, ...shown.map((r) => r.dest.length));
  const wordWidth = Math.max(7, ...shown.map((r) => r.word.length));
  const ms = (v: number | null) => (v === null ? "-" : v >= 1000 ? v.toFixed(0) : v.toFixed(1));
  const out = [
    dim(
      `  ${"dest".padEnd(destWidth)}  ${"command".padEnd(wordWidth)}  ${"count".padStart(7)}  ${"errors".padStart(6)}  ${"late".padStart(5)}  ${"unanswered".padStart(10)}  ` +
        `${"p50 ms".padStart(8)}  ${"p90 ms".padStart(8)}  ${"max ms".padStart(9)}`,
    ),
  ];
  for (const r of shown) {
    const errors = num(r.errors).padStart(6);
    const late = num(r.late).padStart(5);
    const unanswered = `${num(r.unanswered)}${r.open > 0 ? ` (${num(r.open)} open)` : ""}`.padStart(10);
    out.push(
      `  ${r.dest.padEnd(destWidth)}  ${escapeControls(r.word).padEnd(wordWidth)}  ${num(r.count).padStart(7)}  ${r.errors > 0 ? red(errors) : errors}  ` +
        `${r.late > 0 ? yellow(late) : late}  ${r.unanswered > 0 ? yellow(unanswered) : unanswered}  ${ms(r.p50).padStart(8)}  ${ms(r.p90).padStart(8)}  ${ms(r.max).padStart(9)}`,
    );
  }
  if (rows.length > shown.length) out.push(dim(`  and ${rows.length - shown.length} more (--json has them all)`));
  return out;
}

function lossRows(l: Summary["losses"], time: (t: string | null) => string, dim: (t: string) => string): string[] {
  const shown = l.destinations.slice(0, 20);
  const destWidth = Math.max(4, ...shown.map((d) => d.dest.length));
  const addrWidth = Math.max(7, ...shown.map((d) => (d.address ?? "-").length));
  const out = [
    dim(`  ${"dest".padEnd(destWidth)}  ${"address".padEnd(addrWidth)}  ${"count".padStart(7)}  ${"first".padEnd(time(shown[0]?.first ?? null).length)}  last`),
  ];
  for (const d of shown) {
    const reasons = Object.entries(d.reasons).map(([why, n]) => `${escapeControls(why)} ${num(n)}`);
    out.push(
      `  ${escapeControls(d.dest === d.address ? "-" : d.dest).padEnd(destWidth)}  ${escapeControls(d.address ?? "-").padEnd(addrWidth)}  ${num(d.count).padStart(7)}  ${time(d.first)}  ${time(d.last)}  ${reasons.join(", ")}`,
    );
  }
  if (l.destinations.length > shown.length) out.push(dim(`  and ${l.destinations.length - shown.length} more (--json has them all)`));
  if (l.destinationsOmitted > 0) out.push(dim(`  and ${num(l.destinationsOmitted)} to destinations beyond the first 1,024`));
  return out;
}

const ENDED: Record<string, string> = { heard: "heard from again", evicted: "evicted", removed: "removed", "server-started": "the server started afresh" };

function unanswered(rows: readonly CommandSummary[]): Map<string, { count: number; words: string[]; last: string | null }> {
  const byDest = new Map<string, { count: number; words: string[]; last: string | null }>();
  for (const r of rows) {
    const w = byDest.get(r.dest) ?? { count: 0, words: [], last: null };
    if (r.lastAnswered !== null && (w.last === null || r.lastAnswered > w.last)) w.last = r.lastAnswered;
    if (r.unanswered > 0) {
      w.count += r.unanswered;
      w.words.push(`${escapeControls(r.word)} ${num(r.unanswered)}`);
    }
    byDest.set(r.dest, w);
  }
  for (const [dest, w] of byDest) if (w.count === 0) byDest.delete(dest);
  return byDest;
}

function sparkRows(s: Summary, time: (t: string | null) => string): string[] {
  const { counts, start, bucketSeconds } = s.traffic;
  if (start === null) return ["  no messages"];
  const max = Math.max(...counts);
  const rows: string[] = [];
  const startMs = Date.parse(start);
  for (let i = 0; i < counts.length; i += SPARKS_PER_ROW) {
    const row = counts.slice(i, i + SPARKS_PER_ROW).map((n) => (n === 0 ? " " : (SPARKS[Math.min(7, Math.floor((n / max) * 8))] as string)));
    const from = new Date(startMs + i * bucketSeconds * 1000).toISOString().replace("Z", "000Z");
    rows.push(`  ${time(from).padStart(14)} ${row.join("")}`);
  }
  rows.push(`  ${"".padStart(14)} ${"peak"} ${num(max)} per ${bucketSeconds / 60} min, ${num(counts.reduce((a, b) => a + b, 0))} in all`);
  return rows;
}

const REFUSAL_NAMES: Record<string, string> = { pin: "Pin", exec: "ExecAllow" };

const refusals = (by: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(by).map(([event, n]) => `${REFUSAL_NAMES[event] ?? event} ${num(n)}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
};

const where = (c: ClientSummary): string => (c.address === null ? "-" : `${c.transport === "serial" ? "tty" : "udp"} ${c.address}`);

const num = (n: number): string => n.toLocaleString("en-US");

const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? "" : "s"}`;

const megabytes = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

const clip = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 3)}...` : text);

/** 95 s, 12m05s, 3h02m, 2d04h */
export function span(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}
