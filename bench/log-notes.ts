// What a runtime-log note costs to format (log-grammar.ts), against a
// template literal over the same values object: the server formats a
// completion line (COMMAND_ENDED, 5 fields) per answered command and a
// heartbeat line (2 fields) per empty message. Before measuring, every note
// the server writes is formatted a while, as in a server that has run: notes
// with the same number of fields share one closure, which then sees them all
// (WARM=0 skips that: each closure sees one note). ns per call, the median
// (and range) of ROUNDS rounds of N calls. Each case runs in a process of its
// own, so that no case's call site is shared with another's.
// Usage: bun bench/log-notes.ts [N=1000000] [ROUNDS=11]
import { C_NOTES, COMMAND_ENDED, defineNote, HEARTBEAT, NOTES, SERVER_STOPPING } from "../src/protocol/log-grammar.ts";

const one = process.argv[2] === "--case" ? Number(process.argv[3]) : undefined;
const args = one === undefined ? process.argv.slice(2) : process.argv.slice(4);
const N = Number(args[0] ?? 1_000_000);
const ROUNDS = Number(args[1] ?? 11);

const WIDE = defineNote("server", "bench", "Wide {a} {b} {c} {d} {e} {f} {g} {h} end");
const words = ["FILTER", "EXPOSE", "TEMP", "HOME", "STATUS", "GO", "ABORT", "READ"];
const names = ["IPC1", "M1.IE", "M1.CB", "M1.TC", "M2.IE", "M2.CB", "IS", "ENG"];
// The server passes the latency as text (millisText).
const millis = ["0.412", "812.345", "3.6", "1302", "0.2", "301.1", "12.75", "99.9"];

const ended = (i: number) => ({
  requester: names[i & 7] as string,
  target: names[(i >> 3) & 7] as string,
  word: words[i & 7] as string,
  outcome: "DONE",
  ms: millis[(i >> 2) & 7] as string,
});
const heard = (i: number) => ({ name: names[i & 7] as string, address: words[(i >> 3) & 7] as string });

// Each case returns a length so the work cannot be skipped; values vary per call so nothing is folded.
const cases: [string, (i: number) => number][] = [
  ["COMMAND_ENDED.format (5 fields)", (i) => COMMAND_ENDED.format(ended(i)).length],
  [
    "the same as a template literal",
    (i) => {
      const v = ended(i);
      return `Command ${v.requester}>${v.target} ${v.word} ended with ${v.outcome}: after ${v.ms} ms`.length;
    },
  ],
  ["HEARTBEAT.format (2 fields)", (i) => HEARTBEAT.format(heard(i)).length],
  [
    "the same as a template literal",
    (i) => {
      const v = heard(i);
      return `heartbeat ${v.name} (${v.address})`.length;
    },
  ],
  ["SERVER_STOPPING.format (1 field)", (i) => SERVER_STOPPING.format({ reason: words[i & 7] as string }).length],
  [
    "an 8-field note (the loop)",
    (i) => WIDE.format({ a: i, b: names[i & 7] as string, c: "c", d: "d", e: words[i & 7] as string, f: "f", g: "g", h: i }).length,
  ],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Every note the server writes (not the C server's) formatted a while first, as in a server that has run. */
function warmAllNotes(): number {
  let n = 0;
  const ours = NOTES.filter((note) => !C_NOTES.includes(note));
  for (let i = 0; i < 20_000; i++) {
    for (const note of ours) {
      const values: Record<string, string> = {};
      for (const m of note.template.matchAll(/\{([A-Za-z]+)/g)) values[m[1] as string] = names[i & 7] as string;
      n += note.format(values as never).length;
    }
  }
  return n;
}

function measure(name: string, run: (i: number) => number): void {
  let sink = process.env.WARM === "0" ? 0 : warmAllNotes();
  for (let i = 0; i < N / 4; i++) sink += run(i); // warm-up: the JIT's tiers
  const ns: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < N; i++) sink += run(i);
    ns.push((Bun.nanoseconds() - t0) / N);
  }
  const line = `  ${name.padEnd(36)} ${median(ns).toFixed(1).padStart(6)} ns  (${Math.min(...ns).toFixed(1)}-${Math.max(...ns).toFixed(1)})`;
  console.log(sink === 42 ? `${line} ` : line);
}

if (one !== undefined) {
  const [name, run] = cases[one] as [string, (i: number) => number];
  measure(name, run);
} else {
  console.log(`${N.toLocaleString("en-US")} calls a round, median of ${ROUNDS} rounds, each case in its own process (Bun ${Bun.version})`);
  for (let k = 0; k < cases.length; k++) {
    const p = Bun.spawnSync([process.execPath, import.meta.path, "--case", String(k), String(N), String(ROUNDS)], { stdout: "inherit", stderr: "inherit" });
    if (p.exitCode !== 0) process.exit(1);
  }
}
