// Runs every test of the given test files (default: all) by itself, as
// `bun test FILE -t '^NAME$'`, and lists those that fail alone: a test that
// passes only after another has run depends on it. Slow (one bun per test:
// about 40 minutes for the whole suite on 2 cores); `npm test` is the gate,
// this is the check that each test in it stands on its own.
// usage: bun script/test-alone.ts [TEST_FILE...]
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
const BUN = process.execPath;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : testFiles(path);
    return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

function bunTest(file: string, filter?: string): { ok: boolean; output: string } {
  const args = [BUN, "test", "--timeout", "60000", file, ...(filter ? ["-t", filter] : [])];
  const run = Bun.spawnSync(args, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const output = run.stdout.toString() + run.stderr.toString();
  const passed = Number(/^ (\d+) pass/m.exec(output)?.[1] ?? 0);
  const failed = Number(/^ (\d+) fail/m.exec(output)?.[1] ?? 0);
  return { ok: run.exitCode === 0 && failed === 0 && passed > 0, output };
}

/** "describe > test" names as the runner reports them, as -t matches them (joined by spaces). */
function testNames(output: string): string[] {
  const names = [...output.matchAll(/^\((?:pass|fail)\) (.*?)(?: \[[\d.]+m?s\])?$/gm)].map((m) => (m[1] as string).split(" > ").join(" "));
  return [...new Set(names)];
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles(join(ROOT, "test")).sort();
const failures: string[] = [];
let count = 0;
for (const file of files) {
  const names = testNames(bunTest(file).output);
  for (const name of names) {
    count++;
    const { ok, output } = bunTest(file, `^${literally(name)}$`);
    if (ok) continue;
    failures.push(`${file}: ${name}`);
    console.log(
      `FAILS ALONE ${file}: ${name}\n${output
        .split("\n")
        .filter((line) => /error|Expected|Received|\(fail\)/.test(line))
        .slice(0, 8)
        .join("\n")}`,
    );
  }
  console.log(`${file}: ${names.length} tests`);
}
console.log(`${count} tests run alone, ${failures.length} failed${failures.length ? `:\n${failures.join("\n")}` : ""}`);
process.exit(failures.length > 0 ? 1 : 0);
