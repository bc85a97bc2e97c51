// The layers of src/, enforced: every import in src/ is read, and one that
// points up, or across to a folder beside it, fails the test, naming the file
// and the import; so does any cycle of imports between files. The levels are
// read from the README's table (Layout), so the two cannot disagree: a folder
// may import its own files and the folders of the levels below its own.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../src");

/**
 * The README's table, `    level  folders` then one `    N      a · b` line a
 * level (top first): the folders of each level, bottom to top. Folders on
 * one level are beside each other: neither imports the other.
 */
function readmeLevels(readme: string): string[][] {
  const table = readme.split("\n    level  folders\n")[1];
  if (table === undefined) return [];
  const levels: string[][] = [];
  for (const line of table.split("\n")) {
    const row = /^ {4}(\d+) +(\S.*)$/.exec(line);
    if (!row) break;
    levels[Number(row[1])] = (row[2] as string).split(" · ");
  }
  return levels;
}

const LEVELS = readmeLevels(readFileSync(resolve(import.meta.dir, "../README.md"), "utf8"));

interface Import {
  /** The file, relative to the repository. */
  readonly file: string;
  /** As written. */
  readonly specifier: string;
  /** The file it names, absolute. */
  readonly target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(e.name) ? [path] : [];
  });
}

// `import ... from "x"`, `export ... from "x"` (over several lines), `import "x"`, `import("x")`.
const STATIC = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE = /^\s*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Every specifier in a file's text, type-only imports included (a type is a dependency too). */
function specifiers(text: string): string[] {
  return [STATIC, BARE, DYNAMIC].flatMap((re) => [...text.matchAll(re)].map((m) => m[1] as string));
}

const files = sourceFiles(SRC);
const imports: Import[] = files.flatMap((path) =>
  specifiers(readFileSync(path, "utf8"))
    .filter((s) => s.startsWith("."))
    .map((specifier) => ({ file: relative(resolve(SRC, ".."), path), specifier, target: resolve(dirname(path), specifier) })),
);

/** The folder under src/ (or `main.ts`) a path is in; undefined outside src/ (package.json, install/). */
function unitOf(path: string): string | undefined {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return undefined;
  return rel.split("/")[0];
}

const levelOf = (unit: string): number => LEVELS.findIndex((level) => level.includes(unit));

/** Why an import breaks the layers, or undefined when it may be made. */
function violation(from: string, to: string): string | undefined {
  if (from === to) return undefined;
  const a = levelOf(from);
  const b = levelOf(to);
  if (a === -1) return `${from} is in no level of the README's table (Layout)`;
  if (b === -1) return `${to} is in no level of the README's table (Layout)`;
  if (b > a) return `${from} (level ${a}) may not import ${to} (level ${b}, above it)`;
  if (b === a) return `${from} may not import ${to}: they are beside each other (level ${a})`;
  return undefined;
}

/** The cycles among files: each strongly connected component of more than one file (Tarjan). */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the layers of src/", () => {
  test("the README's table names every folder of src/ once, on levels 0 up without a gap", () => {
    const named = LEVELS.flat();
    const present = readdirSync(SRC);
    expect(LEVELS.length).toBeGreaterThan(5);
    expect(Array.from(LEVELS, (level) => level?.length ?? 0).filter((n) => n === 0)).toEqual([]);
    expect([...named].sort()).toEqual([...new Set(present)].sort());
  });

  test("the import reader finds every import Bun finds (so an import form it missed cannot slip through)", () => {
    const transpiler = new Bun.Transpiler({ loader: "ts" });
    expect(files.length).toBeGreaterThan(50);
    for (const path of files) {
      const text = readFileSync(path, "utf8");
      const ours = new Set(specifiers(text));
      const missed = transpiler
        .scanImports(text)
        .map((i) => i.path)
        .filter((p) => !ours.has(p));
      expect({ file: path, missed }).toEqual({ file: path, missed: [] });
    }
  });

  test("no import points up or across to a folder beside its own", () => {
    const wrong = imports.flatMap((i) => {
      const from = unitOf(join(SRC, "..", i.file)) as string;
      const to = unitOf(i.target);
      const why = to === undefined ? undefined : violation(from, to);
      return why ? [`${i.file} imports "${i.specifier}": ${why}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  test("no cycle of imports among the files of src/ (nor, so, among its folders)", () => {
    const edges = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const i of imports) edges.get(join(SRC, "..", i.file))?.push(i.target);
    const named = cycles(edges).map((c) => c.map((f) => relative(SRC, f)).join(" <-> "));
    expect(named).toEqual([]);
  });

  test("no module re-exports another's names (export ... from): each thing has one name and one home", () => {
    const shims = files.filter((f) => /^\s*export\s+(\*|\{[^}]*\}|type\s+\{[^}]*\})\s+from\s/m.test(readFileSync(f, "utf8"))).map((f) => relative(SRC, f));
    expect(shims).toEqual([]);
  });

  test("the environment (process.env) is read only by the commands and main.ts: everything below is handed what it needs", () => {
    const readers = files
      .filter((f) => /\bprocess\.env\b/.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f))
      .filter((f) => !f.startsWith("commands/") && f !== "main.ts");
    expect(readers).toEqual([]);
  });

  test("the checks catch what they are for: an upward import, one across, and a cycle", () => {
    expect(violation("transport", "core")).toContain("beside each other");
    expect(violation("log", "config")).toBeUndefined();
    expect(violation("config", "core")).toContain("above it");
    expect(violation("installer", "commands")).toContain("above it");
    expect(violation("nowhere", "core")).toContain("in no level");
    const a = "/x/a.ts";
    const b = "/x/b.ts";
    const c = "/x/c.ts";
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, [a]],
        ]),
      ),
    ).toEqual([[a, b, c]]);
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, []],
        ]),
      ),
    ).toEqual([]);
  });
});
