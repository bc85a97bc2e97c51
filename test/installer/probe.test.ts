// probeInstall / probeUninstall read a staged root and report what is there.
import { afterEach, describe, expect, test } from "bun:test";
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { probeInstall, probeUninstall } from "../../src/installer/probe.ts";
import type { Runner } from "../../src/installer/runner.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A staging root and a stand-in binary outside it. */
async function setup() {
  const root = await mkdtemp(join(tmpdir(), "isis-probe-"));
  dirs.push(root);
  const execPath = join(root, "..", `${root.split("/").at(-1)}-isis`);
  await writeFile(execPath, "compiled isis");
  dirs.push(execPath);
  const put = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };
  return { root, execPath, put };
}

async function facts(root: string, execPath: string, configPath?: string, runner?: Runner) {
  const result = await probeInstall({ root, runner, execPath, configPath });
  if (!result.ok) throw new Error(result.reason);
  return result.facts;
}

describe("probeInstall: the config", () => {
  test("the log directory is ServerLog's directory, and TTYPort lines are listed", async () => {
    const { root, execPath, put } = await setup();
    await put("/etc/isis/isis.ini", "ServerLog /data/isis/logs/isis\nTTYPort /dev/ttyD0\n");
    const { config } = await facts(root, execPath, "/etc/isis/isis.ini");
    expect(config).toEqual({ path: "/etc/isis/isis.ini", explicit: true, found: true, logDir: "/data/isis/logs", ttyPorts: ["/dev/ttyD0"] });
  });

  test("no --config reads the server's default path; missing, it is reported with the default log directory", async () => {
    const { root, execPath } = await setup();
    const { config } = await facts(root, execPath);
    expect(config).toEqual({ path: "/home/dts/Config/isis.ini", explicit: false, found: false, logDir: "/home/Logs/ISIS", ttyPorts: [] });
  });

  test("an invalid config is an error naming the file and line, since the service could not start with it", async () => {
    const { root, execPath, put } = await setup();
    await put("/cfg/isis.ini", "ServerPort many\n");
    const result = await probeInstall({ root, runner: undefined, execPath, configPath: "/cfg/isis.ini" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("isis.ini:1: ServerPort 'many'");
  });

  test("a MetricsFile's directory is one the service must write; a relative one is an error", async () => {
    const { root, execPath, put } = await setup();
    await put("/cfg/isis.ini", "ServerLog /data/isis/logs/isis\nMetricsFile /var/lib/node_exporter/textfile/isis.prom\n");
    expect((await facts(root, execPath, "/cfg/isis.ini")).config.metricsDir).toBe("/var/lib/node_exporter/textfile");
    expect((await facts(root, execPath, "/cfg/isis.ini")).existingDirs.has("/var/lib/node_exporter/textfile")).toBe(false);
    await put("/cfg/isis.ini", "ServerLog /data/isis/logs/isis\nMetricsFile isis.prom\n");
    const result = await probeInstall({ root, runner: undefined, execPath, configPath: "/cfg/isis.ini" });
    expect(result).toEqual({ ok: false, reason: "/cfg/isis.ini: MetricsFile 'isis.prom' is relative; a service runs from / and needs an absolute path" });
  });

  test("a relative ServerLog is an error: a service runs from /", async () => {
    const { root, execPath, put } = await setup();
    await put("/cfg/isis.ini", "ServerLog logs/isis\n");
    const result = await probeInstall({ root, runner: undefined, execPath, configPath: "/cfg/isis.ini" });
    expect(result).toEqual({ ok: false, reason: "/cfg/isis.ini: ServerLog 'logs/isis' is relative; a service runs from / and needs an absolute path" });
  });
});

describe("probeInstall: what is installed", () => {
  test("an empty root: nothing there, no directory, and no command asked while staging", async () => {
    const { root, execPath } = await setup();
    const f = await facts(root, execPath);
    expect(f).toMatchObject({
      live: false,
      binary: "missing",
      cmdLink: "missing",
      unitText: undefined,
      legacyUnit: "missing",
      legacyWrapper: false,
      wantsLink: undefined,
      instrumentsExists: false,
      selinux: undefined,
    });
    expect([...f.existingDirs]).toEqual([]);
  });

  test("the installed binary is recognised as the running one (same inode) or an identical copy", async () => {
    const { root, execPath, put } = await setup();
    await mkdir(join(root, "usr/local/bin"), { recursive: true });
    await link(execPath, join(root, "usr/local/bin/isis"));
    expect((await facts(root, execPath)).binary).toBe("same-file");
    await rm(join(root, "usr/local/bin/isis"));
    await put("/usr/local/bin/isis", "compiled isis");
    expect((await facts(root, execPath)).binary).toBe("same-content");
    await put("/usr/local/bin/isis", "the old C server");
    expect((await facts(root, execPath)).binary).toBe("other");
  });

  test("the old manual install is recognised by its unit running isis.sh, its wrapper and its enablement link", async () => {
    const { root, execPath, put } = await setup();
    await put("/usr/lib/systemd/system/isis.service", "[Service]\nExecStart=/usr/local/bin/isis.sh\n");
    await put("/usr/local/bin/isis.sh", "#!/bin/sh\n");
    await put("/usr/local/bin/isisCmd", "#!/usr/bin/perl\n");
    await mkdir(join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    await symlink("/usr/lib/systemd/system/isis.service", join(root, "etc/systemd/system/multi-user.target.wants/isis.service"));
    expect(await facts(root, execPath)).toMatchObject({
      legacyUnit: "ours",
      legacyWrapper: true,
      cmdLink: "other",
      wantsLink: "/usr/lib/systemd/system/isis.service",
    });
    await put("/usr/lib/systemd/system/isis.service", "[Service]\nExecStart=/opt/isis/bin/isis\n");
    expect((await facts(root, execPath)).legacyUnit).toBe("other");
  });

  test("live, SELinux is what `selinuxenabled` says (asked through the runner, here a stand-in)", async () => {
    const { root, execPath } = await setup();
    const asked: string[] = [];
    const standIn = (code: number): Runner => ({
      run: async (argv) => {
        asked.push(argv.join(" "));
        return { code, stdout: "", stderr: "" };
      },
    });
    expect((await facts(root, execPath, undefined, standIn(0))).selinux).toBe(true);
    expect((await facts(root, execPath, undefined, standIn(1))).selinux).toBe(false);
    expect(asked).toEqual(["selinuxenabled", "selinuxenabled"]);
  });
});

describe("probeUninstall", () => {
  test("reports the unit, binary, client link and enablement link", async () => {
    const { root, put } = await setup();
    await put("/etc/systemd/system/isis.service", "[Service]\n");
    await put("/usr/local/bin/isis", "x");
    await symlink("isis", join(root, "usr/local/bin/isisCmd"));
    expect(await probeUninstall({ root, runner: undefined })).toEqual({
      live: false,
      binary: true,
      cmdLink: "ours",
      unit: true,
      legacyUnit: "missing",
      legacyWrapper: false,
      wantsLink: undefined,
      instances: [],
      template: false,
    });
  });

  test("finds the instances by their drop-in, and for --instance whether local changes share its directory", async () => {
    const { root, put } = await setup();
    await put("/etc/systemd/system/isis@.service", "[Service]\n");
    await put("/etc/systemd/system/isis@lab.service.d/isis-install.conf", "[Service]\n");
    await put("/etc/systemd/system/isis@test.service.d/isis-install.conf", "[Service]\n");
    await put("/etc/systemd/system/isis@test.service.d/override.conf", "[Service]\n");
    // systemctl edit on an instance that was never installed: not ours.
    await put("/etc/systemd/system/isis@other.service.d/override.conf", "[Service]\n");
    await mkdir(join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    await symlink("/etc/systemd/system/isis@.service", join(root, "etc/systemd/system/multi-user.target.wants/isis@test.service"));
    expect(await probeUninstall({ root, runner: undefined, instance: "test" })).toMatchObject({
      instances: ["lab", "test"],
      template: true,
      instance: { name: "test", dropInDirShared: true, wantsLink: "/etc/systemd/system/isis@.service" },
    });
    expect((await probeUninstall({ root, runner: undefined, instance: "lab" })).instance).toEqual({
      name: "lab",
      dropInDirShared: false,
      wantsLink: undefined,
    });
  });
});
