// The live (non --root) path: probe, plan and execute with a STAND-IN RUNNER
// playing systemd and SELinux, which cannot run on a build machine. Files go
// to a temporary directory standing in for /; the stand-in answers the
// commands and records them, so these tests pin down which commands run, in
// which order, and what a failing answer does. The real commands and a real
// systemd are not exercised here.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Action } from "../../src/installer/actions.ts";
import { executePlan, type Outcome } from "../../src/installer/execute.ts";
import { planInstall } from "../../src/installer/plan.ts";
import { probeInstall } from "../../src/installer/probe.ts";
import type { CommandResult, Runner } from "../../src/installer/runner.ts";

/** Answers commands by prefix, as a SELinux-enforcing machine with a working systemd would by default. */
class StandInRunner implements Runner {
  readonly calls: string[] = [];
  private readonly answers: Record<string, Partial<CommandResult>>;

  constructor(overrides: Record<string, Partial<CommandResult>> = {}) {
    this.answers = {
      selinuxenabled: { code: 0 },
      "stat -c %C": { stdout: "system_u:object_r:bin_t:s0\n" },
      "systemctl is-active": { stdout: "active\n" },
      ...overrides,
    };
  }

  async run(argv: readonly string[]): Promise<CommandResult> {
    const command = argv.join(" ");
    this.calls.push(command);
    const key = Object.keys(this.answers).find((prefix) => command.startsWith(prefix));
    return { code: 0, stdout: "", stderr: "", ...(key ? this.answers[key] : {}) };
  }
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function liveInstall(runner: StandInRunner, now = true) {
  const root = await mkdtemp(join(tmpdir(), "isis-live-"));
  dirs.push(root);
  const execPath = join(root, "isis-build");
  await writeFile(execPath, "compiled isis");
  const probed = await probeInstall({ root, runner, execPath, configPath: undefined });
  if (!probed.ok) throw new Error(probed.reason);
  const planned = planInstall(probed.facts, { now });
  if (!planned.ok) throw new Error(planned.reason);
  const steps: Array<{ action: Action; outcome: Outcome }> = [];
  const ok = await executePlan(planned.plan, { root, runner }, (action, outcome) => steps.push({ action, outcome }));
  return { root, ok, steps, failed: steps.find((s) => !s.outcome.ok)?.outcome };
}

describe("live install with a stand-in for systemd and SELinux", () => {
  test("SELinux on: files first, then restorecon, the label check, reload, enable, restart, is-active", async () => {
    const runner = new StandInRunner();
    const { root, ok } = await liveInstall(runner);
    expect(ok).toBe(true);
    expect(runner.calls).toEqual([
      "selinuxenabled",
      "restorecon -v /usr/local/bin/isis /usr/local/bin/isisCmd /etc/systemd/system/isis.service /etc/isis/instruments.ini /home/Logs/ISIS",
      "stat -c %C /usr/local/bin/isis",
      "systemctl daemon-reload",
      "systemctl enable isis.service",
      "systemctl restart isis.service",
      "systemctl is-active isis.service",
    ]);
    expect(await readFile(join(root, "usr/local/bin/isis"), "utf8")).toBe("compiled isis");
    expect((await stat(join(root, "etc/systemd/system/isis.service"))).isFile()).toBe(true);
  });

  test("SELinux off (stand-in selinuxenabled exits 1): no restorecon and no label check", async () => {
    const runner = new StandInRunner({ selinuxenabled: { code: 1 } });
    const { ok } = await liveInstall(runner);
    expect(ok).toBe(true);
    expect(runner.calls.some((c) => c.startsWith("restorecon") || c.startsWith("stat"))).toBe(false);
  });

  test("a binary that kept a foreign label (stand-in stat says user_home_t) stops the install before systemd is touched", async () => {
    const runner = new StandInRunner({ "stat -c %C": { stdout: "unconfined_u:object_r:user_home_t:s0\n" } });
    const { ok, failed } = await liveInstall(runner);
    expect(ok).toBe(false);
    expect(failed).toMatchObject({ ok: false, error: expect.stringContaining("user_home_t:s0, not bin_t") });
    expect(runner.calls.some((c) => c.startsWith("systemctl"))).toBe(false);
  });

  test("a restart that fails (stand-in systemctl exits 1) reports systemd's message and where to look", async () => {
    const runner = new StandInRunner({
      "systemctl restart": { code: 1, stderr: "Job for isis.service failed because the control process exited with error code." },
    });
    const { ok, failed } = await liveInstall(runner);
    expect(ok).toBe(false);
    expect(failed).toMatchObject({ error: expect.stringContaining("exit 1: Job for isis.service failed") });
    const hints = failed && !failed.ok ? failed.hints?.join("\n") : "";
    expect(hints).toContain("journalctl -u isis.service");
    expect(hints).toContain("ausearch -m AVC");
    expect(runner.calls.at(-1)).toBe("systemctl restart isis.service");
  });

  test("with --now, a service that is not active afterwards (stand-in says failed) is a failed install", async () => {
    const runner = new StandInRunner({ "systemctl is-active": { code: 3, stdout: "failed\n" } });
    const { ok, failed } = await liveInstall(runner);
    expect(ok).toBe(false);
    expect(failed).toMatchObject({ error: "isis.service is failed" });
  });

  test("without --now an inactive service is reported, not a failure", async () => {
    const runner = new StandInRunner({ "systemctl is-active": { code: 3, stdout: "inactive\n" } });
    const { ok, steps } = await liveInstall(runner, false);
    expect(ok).toBe(true);
    expect(runner.calls).not.toContain("systemctl restart isis.service");
    expect(steps.at(-2)?.outcome).toEqual({ ok: true, detail: "inactive" });
  });
});
