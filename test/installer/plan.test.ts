// The pure planners: which actions, in which order, for which facts.
import { describe, expect, test } from "bun:test";
import { type Action, describe as describeAction } from "../../src/installer/actions.ts";
import { DEFAULT_INSTRUMENTS_INI } from "../../src/installer/assets.ts";
import { dirsNeeded, type InstallFacts, planInstall } from "../../src/installer/plan.ts";
import { planUninstall, type UninstallFacts } from "../../src/installer/plan-uninstall.ts";
import { renderUnit } from "../../src/installer/unit.ts";

const LOG_DIR = "/home/Logs/ISIS";
const CONFIG = "/home/dts/Config/isis.ini";

/** A live AlmaLinux machine where isis was never installed, SELinux on. */
const fresh: InstallFacts = {
  live: true,
  execPath: "/home/dts/isis",
  binary: "missing",
  cmdLink: "missing",
  unitText: undefined,
  legacyUnit: "missing",
  legacyWrapper: false,
  wantsLink: undefined,
  config: { path: CONFIG, explicit: true, found: true, logDir: LOG_DIR, ttyPorts: [] },
  existingDirs: new Set(dirsNeeded(LOG_DIR)),
  instrumentsExists: false,
  selinux: true,
};

function plan(facts: Partial<InstallFacts> = {}, now = false): Action[] {
  const result = planInstall({ ...fresh, ...facts }, { now });
  if (!result.ok) throw new Error(result.reason);
  return result.plan;
}

const lines = (actions: Action[]) => actions.filter((a) => a.kind !== "note").map(describeAction);
const notes = (actions: Action[]) => actions.filter((a) => a.kind === "note").map(describeAction);
const commands = (actions: Action[]) => actions.flatMap((a) => (a.kind === "run" ? [a.argv.join(" ")] : []));
const unitFor = (configPath?: string) => {
  const r = renderUnit({ configPath, logDir: LOG_DIR, ttyPorts: [] });
  if (!r.ok) throw new Error(r.reason);
  return r.text;
};

describe("planInstall on a live system", () => {
  test("fresh install: copy, link, unit, instrument table, restorecon, label check, reload, enable, report", () => {
    expect(lines(plan())).toEqual([
      "install /usr/local/bin/isis (copy of /home/dts/isis, mode 0755)",
      "link /usr/local/bin/isisCmd -> isis",
      "write /etc/systemd/system/isis.service (mode 0644)",
      "write /etc/isis/instruments.ini (mode 0644)",
      "run: restorecon -v /usr/local/bin/isis /usr/local/bin/isisCmd /etc/systemd/system/isis.service /etc/isis/instruments.ini",
      "check the SELinux type of /usr/local/bin/isis is bin_t",
      "run: systemctl daemon-reload",
      "run: systemctl enable isis.service",
      "check: systemctl is-active isis.service",
    ]);
  });

  test("the unit written is the rendered one, with -f CONFIG; the instrument table is the embedded default", () => {
    const writes = plan().filter((a) => a.kind === "write");
    expect(writes.map((w) => w.text)).toEqual([unitFor(CONFIG), DEFAULT_INSTRUMENTS_INI]);
    const implicit = plan({ config: { ...fresh.config, explicit: false } }).find((a) => a.kind === "write");
    expect(implicit?.kind === "write" && implicit.text).toBe(unitFor(undefined));
  });

  test("without --now the service is not restarted and its state is only reported", () => {
    const actions = plan();
    expect(commands(actions)).not.toContain("systemctl restart isis.service");
    expect(actions.find((a) => a.kind === "check-active")).toMatchObject({ required: false });
    expect(notes(actions).join("\n")).toContain("--now");
  });

  test("--now restarts after enabling and requires the service to be active, pointing at the journal and AVC log if not", () => {
    const actions = plan({}, true);
    expect(commands(actions).slice(-2)).toEqual(["systemctl enable isis.service", "systemctl restart isis.service"]);
    const check = actions.at(-1);
    expect(check).toMatchObject({ kind: "check-active", required: true });
    expect(check?.kind === "check-active" && check.hints.join("\n")).toMatch(/journalctl -u isis.service[\s\S]*ausearch -m AVC/);
  });

  test("without SELinux there is no restorecon and no label check, and the plan says why", () => {
    const actions = plan({ selinux: false });
    expect(actions.some((a) => a.kind === "check-label" || (a.kind === "run" && a.argv[0] === "restorecon"))).toBe(false);
    expect(notes(actions)).toContain("SELinux is not enabled: no labels to restore");
  });

  test("a second run finds everything in place: nothing to copy or write, but labels and enablement are checked again", () => {
    const actions = plan({ binary: "same-file", cmdLink: "ours", unitText: unitFor(CONFIG), instrumentsExists: true });
    expect(actions.some((a) => ["copy", "write", "symlink", "mkdir", "remove"].includes(a.kind))).toBe(false);
    expect(notes(actions)).toEqual(
      expect.arrayContaining([
        "/usr/local/bin/isis is the running binary: not copied",
        "/etc/systemd/system/isis.service is up to date",
        "/etc/isis/instruments.ini exists: kept",
      ]),
    );
    expect(lines(actions)[0]).toBe("run: restorecon -v /usr/local/bin/isis /usr/local/bin/isisCmd /etc/systemd/system/isis.service");
  });

  test("an identical binary elsewhere is not copied again; a different one is", () => {
    expect(plan({ binary: "same-content" }).some((a) => a.kind === "copy")).toBe(false);
    expect(plan({ binary: "other" }).some((a) => a.kind === "copy")).toBe(true);
  });

  test("a missing log directory is created and relabelled; other missing directories are created first", () => {
    const actions = plan({ existingDirs: new Set(["/usr/local/bin"]) });
    expect(lines(actions).slice(0, 3)).toEqual(["create directory /etc/systemd/system", "create directory /etc/isis", `create directory ${LOG_DIR}`]);
    expect(commands(actions)[0]).toEndWith(LOG_DIR);
  });

  test("a missing config file is a warning, and the unit falls back to the ServerLog default directory it was given", () => {
    const actions = plan({ config: { ...fresh.config, found: false } });
    expect(actions[0]).toMatchObject({ kind: "note", level: "warn" });
    expect(describeAction(actions[0]!)).toContain(`no config file at ${CONFIG}`);
  });

  test("a config path that cannot go in a unit file is refused before anything is planned", () => {
    const result = planInstall({ ...fresh, config: { ...fresh.config, path: "/home/dts/My Config/isis.ini" } }, { now: false });
    expect(result.ok).toBe(false);
  });
});

describe("planInstall upgrading the old manual install", () => {
  const legacy: Partial<InstallFacts> = {
    binary: "other",
    cmdLink: "other",
    legacyUnit: "ours",
    legacyWrapper: true,
    wantsLink: "/usr/lib/systemd/system/isis.service",
  };

  test("removes the old unit, its enablement link and the wrapper before systemd reloads and enables the new unit", () => {
    const all = lines(plan(legacy, true));
    const removals = [
      "remove /etc/systemd/system/multi-user.target.wants/isis.service (enablement link to the old unit)",
      "remove /usr/lib/systemd/system/isis.service (old manual install's unit)",
      "remove /usr/local/bin/isis.sh (old wrapper script, replaced by ExecStart)",
    ];
    for (const line of removals) expect(all.indexOf(line)).toBeGreaterThan(all.indexOf("write /etc/systemd/system/isis.service (mode 0644)"));
    for (const line of removals) expect(all.indexOf(line)).toBeLessThan(all.indexOf("run: systemctl daemon-reload"));
    expect(all).toContain("link /usr/local/bin/isisCmd -> isis");
    expect(all).toContain("install /usr/local/bin/isis (copy of /home/dts/isis, mode 0755)");
  });

  test("an enablement link left dangling by a half-removed old install is removed too", () => {
    const actions = plan({ legacyUnit: "missing", wantsLink: "/usr/lib/systemd/system/isis.service" });
    expect(lines(actions)).toContain("remove /etc/systemd/system/multi-user.target.wants/isis.service (enablement link to the old unit)");
  });

  test("a unit of that name that is not the old manual one is left alone, with a warning", () => {
    const actions = plan({ legacyUnit: "other", wantsLink: "/usr/lib/systemd/system/isis.service" });
    expect(actions.some((a) => a.kind === "remove")).toBe(false);
    expect(notes(actions).join("\n")).toContain("/usr/lib/systemd/system/isis.service is not the old manual unit");
  });
});

describe("planInstall when staging (--root)", () => {
  test("holds no system command at all, even with --now, and says what is left to the target", () => {
    const actions = plan({ live: false, selinux: undefined }, true);
    expect(actions.some((a) => a.kind === "run" || a.kind === "check-label" || a.kind === "check-active")).toBe(false);
    expect(notes(actions)).toContain("staging: SELinux labels and systemctl are left to the system the files are installed on");
    expect(notes(actions)).toContain("--now does nothing when staging: there is no service here to start");
  });
});

describe("planUninstall", () => {
  const installed: UninstallFacts = {
    live: true,
    binary: true,
    cmdLink: "ours",
    unit: true,
    legacyUnit: "missing",
    legacyWrapper: false,
    wantsLink: "/etc/systemd/system/isis.service",
    instances: [],
    template: false,
  };

  test("live: stops and disables first, removes unit, link and binary, reloads last", () => {
    expect(lines(planUninstall(installed))).toEqual([
      "run: systemctl disable --now isis.service",
      "remove /etc/systemd/system/isis.service (the service's unit)",
      "remove /etc/systemd/system/multi-user.target.wants/isis.service (enablement link)",
      "remove /usr/local/bin/isisCmd (client symlink)",
      "remove /usr/local/bin/isis (the isis binary)",
      "run: systemctl daemon-reload",
    ]);
  });

  test("never touches the config, the logs or the instrument table, and says so", () => {
    const actions = planUninstall({ ...installed, legacyUnit: "ours", legacyWrapper: true });
    const removed = actions.flatMap((a) => (a.kind === "remove" ? [a.path] : []));
    expect(removed.filter((p) => p.startsWith("/etc/isis") || p.startsWith("/home"))).toEqual([]);
    expect(notes(actions).at(-1)).toBe("kept: the config file, the log directory and /etc/isis/instruments.ini");
  });

  test("also clears what the old manual install left", () => {
    const all = lines(planUninstall({ ...installed, unit: false, legacyUnit: "ours", legacyWrapper: true, wantsLink: "/usr/lib/systemd/system/isis.service" }));
    expect(all[0]).toBe("run: systemctl disable --now isis.service");
    expect(all).toContain("remove /usr/lib/systemd/system/isis.service (old manual install's unit)");
    expect(all).toContain("remove /usr/local/bin/isis.sh (old wrapper script)");
  });

  test("a regular file named isisCmd is not ours to remove", () => {
    const actions = planUninstall({ ...installed, cmdLink: "other" });
    expect(actions.some((a) => a.kind === "remove" && a.path === "/usr/local/bin/isisCmd")).toBe(false);
  });

  test("staging runs no command; nothing installed means nothing removed", () => {
    expect(planUninstall({ ...installed, live: false }).some((a) => a.kind === "run")).toBe(false);
    const empty = planUninstall({ ...installed, binary: false, cmdLink: "missing", unit: false, wantsLink: undefined });
    expect(lines(empty)).toEqual([]);
    expect(notes(empty)[0]).toBe("isis is not installed: nothing to remove");
  });
});

describe("several servers on one host (--instance)", () => {
  const instance = (name: string, extra: Partial<NonNullable<InstallFacts["instance"]>> = {}) => ({
    name,
    templateText: undefined,
    dropInText: undefined,
    ...extra,
  });
  const lab = { ...fresh, config: { ...fresh.config, path: "/home/dts/Config/isis_lab.ini" }, instance: instance("lab") };

  test("writes the template and the instance's drop-in instead of isis.service, and enables isis@NAME", () => {
    const actions = plan(lab, true);
    expect(lines(actions)).toEqual([
      "create directory /etc/systemd/system/isis@lab.service.d",
      "install /usr/local/bin/isis (copy of /home/dts/isis, mode 0755)",
      "link /usr/local/bin/isisCmd -> isis",
      "write /etc/systemd/system/isis@.service (mode 0644)",
      "write /etc/systemd/system/isis@lab.service.d/isis-install.conf (mode 0644)",
      "write /etc/isis/instruments.ini (mode 0644)",
      "run: restorecon -v /usr/local/bin/isis /usr/local/bin/isisCmd /etc/systemd/system/isis@lab.service.d /etc/systemd/system/isis@.service /etc/systemd/system/isis@lab.service.d/isis-install.conf /etc/isis/instruments.ini",
      "check the SELinux type of /usr/local/bin/isis is bin_t",
      "run: systemctl daemon-reload",
      "run: systemctl enable isis@lab.service",
      "run: systemctl restart isis@lab.service",
      "check: systemctl is-active isis@lab.service",
    ]);
    const dropIn = actions.find((a) => a.kind === "write" && a.path.endsWith("isis-install.conf"));
    expect(dropIn?.kind === "write" && dropIn.text).toContain(
      "\nExecStart=/usr/local/bin/isis server -d -f /home/dts/Config/isis_lab.ini\nReadWritePaths=/home/Logs/ISIS\n",
    );
  });

  test("the old manual install is no business of an instance's", () => {
    const actions = plan({ ...lab, legacyUnit: "ours", legacyWrapper: true, wantsLink: "/usr/lib/systemd/system/isis.service" });
    expect(actions.some((a) => a.kind === "remove")).toBe(false);
  });

  test("a second instance finds the template in place and writes only its own drop-in", () => {
    const first = plan(lab).find((a) => a.kind === "write" && a.path === "/etc/systemd/system/isis@.service");
    const templateText = first?.kind === "write" ? first.text : "";
    const actions = plan({ ...lab, instance: instance("test", { templateText }) });
    expect(lines(actions).filter((l) => l.startsWith("write"))).toEqual([
      "write /etc/systemd/system/isis@test.service.d/isis-install.conf (mode 0644)",
      "write /etc/isis/instruments.ini (mode 0644)",
    ]);
    expect(notes(actions)).toContain("/etc/systemd/system/isis@.service is up to date");
  });
});

describe("planUninstall --instance", () => {
  const base: UninstallFacts = {
    live: true,
    binary: true,
    cmdLink: "ours",
    unit: false,
    legacyUnit: "missing",
    legacyWrapper: false,
    wantsLink: undefined,
    instances: ["lab", "test"],
    template: true,
    instance: { name: "test", dropInDirShared: false, wantsLink: undefined },
  };

  test("one of two: that instance stopped and its drop-in gone; the template and the binary stay for the other", () => {
    const actions = planUninstall(base);
    expect(lines(actions)).toEqual([
      "run: systemctl disable --now isis@test.service",
      "remove /etc/systemd/system/isis@test.service.d/isis-install.conf (instance test's settings)",
      "remove directory /etc/systemd/system/isis@test.service.d",
      "run: systemctl daemon-reload",
    ]);
    expect(notes(actions)).toContain("kept /usr/local/bin/isis and /usr/local/bin/isisCmd: isis@lab.service still run it");
  });

  test("the last one takes the template, and the binary unless isis.service still runs it", () => {
    const last = { ...base, instances: ["test"] };
    expect(lines(planUninstall(last)).slice(2, -1)).toEqual([
      "remove directory /etc/systemd/system/isis@test.service.d",
      "remove /etc/systemd/system/isis@.service (the instances' template unit, used by no other)",
      "remove /usr/local/bin/isisCmd (client symlink)",
      "remove /usr/local/bin/isis (the isis binary)",
    ]);
    expect(lines(planUninstall({ ...last, unit: true }))).not.toContain("remove /usr/local/bin/isis (the isis binary)");
  });

  test("local changes (systemctl edit) in its directory are left there; staged, the enablement link goes too", () => {
    const actions = planUninstall({ ...base, live: false, instance: { name: "test", dropInDirShared: true, wantsLink: "/etc/systemd/system/isis@.service" } });
    expect(lines(actions)).toEqual([
      "remove /etc/systemd/system/isis@test.service.d/isis-install.conf (instance test's settings)",
      "remove /etc/systemd/system/multi-user.target.wants/isis@test.service (enablement link)",
    ]);
  });

  test("the plain uninstall keeps the binary while an instance runs it", () => {
    const plain = { ...base, unit: true, instance: undefined, wantsLink: "/etc/systemd/system/isis.service" };
    expect(lines(planUninstall(plain))).toEqual([
      "run: systemctl disable --now isis.service",
      "remove /etc/systemd/system/isis.service (the service's unit)",
      "remove /etc/systemd/system/multi-user.target.wants/isis.service (enablement link)",
      "run: systemctl daemon-reload",
    ]);
  });

  test("an instance that is not installed: nothing removed, and it says so", () => {
    const actions = planUninstall({ ...base, instance: { name: "nope", dropInDirShared: false, wantsLink: undefined } });
    expect(lines(actions)).toEqual([]);
    expect(notes(actions)[1]).toBe("isis@nope.service is not installed: nothing to remove");
  });
});
