// systemd's own offline checks of a staged unit. Neither needs a running
// systemd. `--root` makes systemd-analyze read the unit, and check that its
// ExecStart binary exists and is executable, inside the staged tree, so the
// check covers the files `isis install --root` wrote and nothing on this host.
import { cp } from "node:fs/promises";
import { join } from "node:path";

export const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
const STOCK_UNITS = "/usr/lib/systemd/system";

async function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([SYSTEMD_ANALYZE, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/**
 * `systemd-analyze verify` of the staged unit. A real system has the stock
 * units our unit names (multi-user.target, network-online.target,
 * sysinit.target...); an empty staging root does not, so this host's stock
 * units are copied in first, exactly as they would be on the target. Any
 * warning (an unknown or misspelt setting) counts as a failure: verify
 * exits 0 on those.
 */
export async function verifyStagedUnit(root: string, unit = "isis.service") {
  await cp(STOCK_UNITS, join(root, STOCK_UNITS), { recursive: true, verbatimSymlinks: true, force: false });
  return analyze(["verify", `--root=${root}`, unit]);
}

/** The overall exposure `systemd-analyze security --offline=yes` gives the staged unit (0.0 best, 10.0 worst). */
export async function stagedExposure(root: string, unit = "isis.service"): Promise<{ exposure: number; report: string }> {
  const result = await analyze(["security", "--offline=yes", `--root=${root}`, unit]);
  const match = result.stdout.match(/Overall exposure level for \S+: (\d+\.\d+)/);
  if (!match) throw new Error(`no exposure in systemd-analyze output (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return { exposure: Number(match[1]), report: result.stdout };
}

/** The system call names in `sets` (e.g. "@system-service", "@privileged"), groups expanded recursively. */
export async function expandSyscallSets(sets: readonly string[]): Promise<Set<string>> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = async (set: string): Promise<void> => {
    if (!set.startsWith("@")) {
      names.add(set);
      return;
    }
    if (seen.has(set)) return;
    seen.add(set);
    const result = await analyze(["syscall-filter", set]);
    if (result.code !== 0) throw new Error(`systemd-analyze syscall-filter ${set}: ${result.stderr}`);
    const members = result.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#") && l !== set);
    for (const member of members) await visit(member);
  };
  for (const set of sets) await visit(set);
  return names;
}
