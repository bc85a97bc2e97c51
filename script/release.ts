// `npm run release`: the binaries to ship, dist/isis-VERSION-linux-x64 and
// dist/isis-VERSION-linux-arm64 (bytecode on, the version and git commit in
// `isis -v`), and dist/SHA256SUMS. Offline but for the npm registry: the
// other architecture's Bun runtime comes from its npm package
// (@oven/bun-linux-aarch64, cached in .cache/bun-runtime/) and is given to
// the compiler as its executable, which otherwise downloads it from a fixed
// address. Each binary is checked: not stripped, and `-v` run (natively, or
// under qemu-user when installed) must print its own version line.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { buildIsis } from "./build.ts";
import { strippedProblem } from "./compiled-binary.ts";

export interface ReleaseTarget {
  /** In the file name: linux-x64, linux-arm64. */
  readonly name: string;
  readonly bunTarget: Bun.Build.CompileTarget;
  /** process.arch of a machine that runs it natively. */
  readonly arch: string;
  /** The npm package holding that platform's Bun runtime (bin/bun). */
  readonly runtimePackage: string;
  /** qemu-user for running it elsewhere, and the directory holding its libc (-L). */
  readonly qemu: string;
  readonly sysroot: string;
}

export const TARGETS: readonly ReleaseTarget[] = [
  {
    name: "linux-x64",
    bunTarget: "bun-linux-x64",
    arch: "x64",
    runtimePackage: "@oven/bun-linux-x64",
    qemu: "qemu-x86_64-static",
    sysroot: "/usr/x86_64-linux-gnu",
  },
  {
    name: "linux-arm64",
    bunTarget: "bun-linux-arm64",
    arch: "arm64",
    runtimePackage: "@oven/bun-linux-aarch64",
    qemu: "qemu-aarch64-static",
    sysroot: "/usr/aarch64-linux-gnu",
  },
];

const ROOT = resolve(import.meta.dir, "..");
const CACHE = join(ROOT, ".cache", "bun-runtime");

/**
 * The Bun runtime for `target`, of exactly this Bun's version (bytecode is
 * only good for the version that compiled it): this process's own binary
 * when it is that platform, else the npm package's, fetched once with npm
 * (whose cache and integrity check apply) into .cache/bun-runtime/.
 */
export function runtimeFor(target: ReleaseTarget): string {
  if (process.platform === "linux" && process.arch === target.arch) return process.execPath;
  const dir = join(CACHE, `${target.runtimePackage.replace("@oven/", "")}-${Bun.version}`);
  const bin = join(dir, "bin", "bun");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const spec = `${target.runtimePackage}@${Bun.version}`;
  const packed = Bun.spawnSync(["npm", "pack", spec, "--prefer-offline", "--silent", "--pack-destination", dir], { stderr: "inherit" });
  if (packed.exitCode !== 0) throw new Error(`npm pack ${spec} failed (is the npm registry reachable?)`);
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${spec} left no tarball in ${dir}`);
  const unpacked = Bun.spawnSync(["tar", "-xzf", join(dir, tarball), "-C", dir, "--strip-components=1"], { stderr: "inherit" });
  rmSync(join(dir, tarball));
  if (unpacked.exitCode !== 0 || !existsSync(bin)) throw new Error(`${spec} has no bin/bun`);
  return bin;
}

/** How to run a binary of `target` here: directly, under qemu-user, or not at all (undefined). */
export function runnerFor(target: ReleaseTarget): string[] | undefined {
  if (process.platform === "linux" && process.arch === target.arch) return [];
  const qemu = Bun.which(target.qemu);
  if (!qemu || !existsSync(target.sysroot)) return undefined;
  return [qemu, "-L", target.sysroot];
}

/** Build one release binary into `outfile` and check it; returns what was checked, or throws. */
export async function buildRelease(target: ReleaseTarget, outfile: string, builtAt = new Date()): Promise<string> {
  const built = await buildIsis({ outfile, target: target.bunTarget, executablePath: runtimeFor(target), builtAt });
  const stripped = await strippedProblem(outfile);
  if (stripped) throw new Error(`refusing ${outfile}: ${stripped}`);
  const expected = `isis version ${pkg.version} (${built.compDate} ${built.compTime}) commit ${built.commit}`;
  const runner = runnerFor(target);
  if (!runner) return `${expected}; not run: no ${target.qemu} with ${target.sysroot} here (apt install qemu-user-static libc6-arm64-cross)`;
  const run = Bun.spawnSync([...runner, outfile, "-v"], { stderr: "pipe" });
  const said = run.stdout.toString().trim();
  if (said !== expected)
    throw new Error(
      `refusing ${outfile}: -v printed '${said}' (exit ${run.exitCode}), not '${expected}': a stripped or damaged build runs as the bare Bun CLI`,
    );
  return `${said}${runner.length > 0 ? ` (under ${target.qemu})` : ""}`;
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

if (import.meta.main) {
  process.chdir(ROOT);
  const dist = join(ROOT, "dist");
  mkdirSync(dist, { recursive: true });
  const sums: string[] = [];
  // One build time for both: the two binaries of a release say the same in -v but for nothing.
  const builtAt = new Date();
  try {
    for (const target of TARGETS) {
      const name = `isis-${pkg.version}-${target.name}`;
      const out = join(dist, name);
      // Built beside its final name and moved there only once checked: a refused build never sits in dist/ under a release name.
      const partial = join(dist, `.${name}.partial`);
      console.log(`${name}: ${await buildRelease(target, partial, builtAt)}`);
      renameSync(partial, out);
      sums.push(`${await sha256(out)}  ${name}`);
    }
  } catch (error) {
    for (const name of readdirSync(dist)) if (name.endsWith(".partial")) rmSync(join(dist, name));
    console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  writeFileSync(join(dist, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log(`dist/SHA256SUMS (check with: cd dist && sha256sum -c SHA256SUMS)`);
}
