// Compiles src/main.ts and everything it imports into one self-contained
// binary, dist/isis. The version and build time are baked in with `define`
// so `isis -v` and the VERSION reply never depend on files at run time.
import { readdirSync, rmSync } from "node:fs";
import pkg from "../package.json" with { type: "json" };

const built = new Date();
const pad = (n: number) => String(n).padStart(2, "0");
const compDate = `${built.getUTCFullYear()}-${pad(built.getUTCMonth() + 1)}-${pad(built.getUTCDate())}`;
const compTime = `${pad(built.getUTCHours())}:${pad(built.getUTCMinutes())}:${pad(built.getUTCSeconds())}`;

const result = await Bun.build({
  entrypoints: ["./src/main.ts"],
  compile: {
    outfile: "./dist/isis",
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
    ISIS_VERSION: JSON.stringify(pkg.version),
    ISIS_COMP_DATE: JSON.stringify(compDate),
    ISIS_COMP_TIME: JSON.stringify(compTime),
  },
});

if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
// The compiled binary carries its source maps (stack traces name src/ files
// without them); the copies written beside it, one per hashed chunk, would
// only pile up in dist/ build after build.
for (const name of readdirSync("./dist")) if (name.endsWith(".map")) rmSync(`./dist/${name}`);
console.log(`built dist/isis ${pkg.version} (${compDate} ${compTime})`);
