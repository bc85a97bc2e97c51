// Compiles src/main.ts and everything it imports into one self-contained
// binary, dist/isis (script/release.ts builds the release binaries with the
// same function). The version, build time and git commit are baked in with
// `define` so `isis -v` and the VERSION reply never depend on files at run time.
import { readdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import pkg from "../package.json" with { type: "json" };

export interface BuildOptions {
  readonly outfile: string;
  /** Another platform's binary (`bun-linux-arm64`); default: this one. */
  readonly target?: Bun.Build.CompileTarget;
  /** The Bun runtime to embed for `target`, so nothing is downloaded (from its npm package, script/release.ts). */
  readonly executablePath?: string;
  readonly builtAt?: Date;
}

export interface Built {
  readonly compDate: string;
  readonly compTime: string;
  readonly commit: string;
}

/** The commit checked out, 12 hex digits, `-dirty` when the tree has changes; `unknown` outside a git checkout. */
export function gitCommit(): string {
  const head = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { stderr: "ignore" });
  if (head.exitCode !== 0) return "unknown";
  const status = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { stderr: "ignore" });
  const dirty = status.exitCode !== 0 || status.stdout.toString().trim() !== "";
  return `${head.stdout.toString().trim()}${dirty ? "-dirty" : ""}`;
}

export async function buildIsis(options: BuildOptions): Promise<Built> {
  const built = options.builtAt ?? new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const compDate = `${built.getUTCFullYear()}-${pad(built.getUTCMonth() + 1)}-${pad(built.getUTCDate())}`;
  const compTime = `${pad(built.getUTCHours())}:${pad(built.getUTCMinutes())}:${pad(built.getUTCSeconds())}`;
  const commit = gitCommit();
  const result = await Bun.build({
    entrypoints: ["./src/main.ts"],
    compile: {
      outfile: options.outfile,
      ...(options.target ? { target: options.target } : {}),
      ...(options.executablePath ? { executablePath: options.executablePath } : {}),
      // A system service must never pick up a stray bunfig.toml or .env from
      // whatever directory it happens to be started in.
      autoloadBunfig: false,
      autoloadDotenv: false,
    },
    // Start-up time is most of an `isis cmd` call (scripts make dozens in a
    // row): bytecode spares parsing the bundle at every start, and split chunks
    // mean a subcommand loads only its own modules and the node builtins they
    // import (one bundle evaluates every builtin any module imports, e.g.
    // node:net and node:readline, before main runs). Both need ESM output.
    format: "esm",
    bytecode: true,
    splitting: true,
    minify: true,
    sourcemap: "linked",
    define: {
      ISIS_COMP_DATE: JSON.stringify(compDate),
      ISIS_COMP_TIME: JSON.stringify(compTime),
      ISIS_COMMIT: JSON.stringify(commit),
    },
  });
  if (!result.success) throw new AggregateError(result.logs, `bun build failed for ${options.outfile}`);
  // The compiled binary carries its source maps (stack traces name src/ files
  // without them); the copies written beside it, one per hashed chunk, would
  // only pile up in dist/ build after build.
  const dir = dirname(options.outfile);
  for (const name of readdirSync(dir)) if (name.endsWith(".map")) rmSync(`${dir}/${name}`);
  return { compDate, compTime, commit };
}

if (import.meta.main) {
  const { compDate, compTime, commit } = await buildIsis({ outfile: "./dist/isis" }).catch((error: unknown) => {
    for (const log of error instanceof AggregateError ? error.errors : [error]) console.error(log);
    process.exit(1);
  });
  console.log(`built dist/isis ${pkg.version} (${compDate} ${compTime}) commit ${commit}`);
}
