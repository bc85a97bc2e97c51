// What a runtime-log note costs to format, against the template literal it
// replaced: the server formats a completion line (COMMAND_ENDED, 5 fields)
// per answered command and a heartbeat line per empty message. ns per call,
// the median of ROUNDS rounds of N calls each.
// Each case runs in a process of its own, so that no case's call site is
// shared with another's (the JIT would see them all at one).
// Usage: bun bench/log-notes.ts [N=2000000] [ROUNDS=7]
import { COMMAND_ENDED, defineNote, HEARTBEAT, NOTES, SERVER_STOPPING } from "../src/protocol/log-grammar.ts";

const one = process.argv[2] === "--case" ? Number(process.argv[3]) : undefined;
const args = one === undefined ? process.argv.slice(2) : process.argv.slice(4);
const N = Number(args[0] ?? 2_000_000);
const ROUNDS = Number(args[1] ?? 7);

const WIDE = defineNote("server", "bench", "Wide {a} {b} {c} {d} {e} {f} {g} {h} end");
const words = ["FILTER", "EXPOSE", "TEMP", "HOME", "STATUS", "GO", "ABORT", "READ"];
const names = ["IPC1", "M1.IE", "M1.CB", "M1.TC", "M2.IE", "M2.CB", "IS", "ENG"];

// Each case returns a length so the work cannot be skipped; values vary per call so nothing is folded.
const cases: [string, (i: number) => number][] = [
  [
    "COMMAND_ENDED.format (5 fields)",
    (i) =>
      COMMAND_ENDED.format({ requester: names[i & 7] as string, target: names[(i >> 3) & 7] as string, word: words[i & 7] as string, outcome: "DONE", ms: i })
        .length,
  ],
  ["the same as a template literal", (i) => `Command ${names[i & 7]}>${names[(i >> 3) & 7]} ${words[i & 7]} ended with DONE: after ${i} ms`.length],
  ["HEARTBEAT.format (2 fields)", (i) => HEARTBEAT.format({ name: names[i & 7] as string, address: words[(i >> 3) & 7] as string }).length],
  ["the same as a template literal", (i) => `heartbeat ${names[i & 7]} (${words[(i >> 3) & 7]})`.length],
  ["SERVER_STOPPING.format (1 field)", (i) => SERVER_STOPPING.format({ reason: words[i & 7] as string }).length],
  [
    "an 8-field note (the loop)",
    (i) => WIDE.format({ a: i, b: names[i & 7] as string, c: "c", d: "d", e: words[i & 7] as string, f: "f", g: "g", h: i }).length,
  ],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Every note formatted a while first, as in a server that has run: code that notes share sees them all. */
function warmAllNotes(): number {
  let n = 0;
  for (let i = 0; i < 20_000; i++) {
    for (const note of NOTES) {
      const values: Record<string, string | number> = {};
      for (const m of note.template.matchAll(/\{([A-Za-z]+)/g)) values[m[1] as string] = i;
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
