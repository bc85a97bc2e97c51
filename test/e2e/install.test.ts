// `isis install` / `isis uninstall` run from the compiled binary, staged
// with --root into temporary directories: every file, its mode and content,
// systemd's own checks of the unit, idempotence, --dry-run, the upgrade from
// the old manual install, and uninstall. --root runs no system command, so
// nothing here needs (or touches) SELinux or a running systemd.
import { afterAll, describe, expect, test } from "bun:test";
import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { makeDirs } from "../../src/installer/fs-ops.ts";
import { NotifyReceiver } from "../helpers/notify-receiver.ts";
import { ISIS_BIN, makeTempDir } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { expandSyscallSets, stagedExposure, verifyStagedUnit } from "../installer/systemd-analyze.ts";

const REPO = resolve(import.meta.dir, "../..");
const CONFIG = "/home/dts/Config/isis.ini";
const FIELD_CONFIG = "ServerID IS\nServerPort 6600\nServerLog /home/Logs/ISIS/isis\nLogDate UTC\nTTYPort /dev/ttyD0\n";

/** The old manual install, as spec/install.md describes it. */
const OLD_UNIT = `[Unit]
Description=ISIS server for a MODS instrument
[Service]
ExecStart=/usr/local/bin/isis.sh
Restart=always
RestartSec=10s
Environment="USER=systemd"
[Install]
WantedBy=multi-user.target
`;

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function stagingRoot(files: Record<string, string> = { [CONFIG]: FIELD_CONFIG }): Promise<string> {
  const root = makeTempDir("isis-stage-");
  roots.push(root);
  for (const [path, text] of Object.entries(files)) await put(root, path, text);
  return root;
}

/** A file the test sets up, with modes independent of the umask (the tree listings compare them). */
async function put(root: string, path: string, text: string): Promise<void> {
  await makeDirs(dirname(join(root, path)), 0o755);
  await writeFile(join(root, path), text);
  await chmod(join(root, path), 0o644);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function isis(args: string[], prefix: string[] = []): Promise<Run> {
  const proc = Bun.spawn([...prefix, ISIS_BIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function installOk(root: string, ...args: string[]): Promise<Run> {
  const run = await isis(["install", "--root", root, "--config", CONFIG, ...args]);
  if (run.code !== 0) throw new Error(`isis install failed (${run.code}):\n${run.stdout}${run.stderr}`);
  return run;
}

/** Every path under root: "d755", "f644", or "l -> target". */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(join(root, dir))).sort()) {
      const path = `${dir}/${name}`;
      const st = await lstat(join(root, path));
      const mode = (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) out[path] = `l -> ${await readlink(join(root, path))}`;
      else if (st.isDirectory()) {
        out[path] = `d${mode}`;
        await walk(path);
      } else out[path] = `f${mode}`;
    }
  };
  await walk("");
  return out;
}

/** Inode and mtime of every file: what "changed nothing" means. */
async function fingerprint(root: string): Promise<string[]> {
  const entries = await tree(root);
  return Promise.all(
    Object.keys(entries).map(async (p) => {
      const st = await lstat(join(root, p));
      return `${p} ${entries[p]} ${st.ino} ${st.mtimeMs}`;
    }),
  );
}

const text = (root: string, path: string) => readFile(join(root, path), "utf8");

describe("isis install --root (staged from the compiled binary)", () => {
  test("writes exactly the binary, the isisCmd link, the unit, the instrument table and the log directory, with their modes", async () => {
    const root = await stagingRoot();
    await installOk(root);
    expect(await tree(root)).toEqual({
      "/etc": "d755",
      "/etc/isis": "d755",
      "/etc/isis/instruments.ini": "f644",
      "/etc/systemd": "d755",
      "/etc/systemd/system": "d755",
      "/etc/systemd/system/isis.service": "f644",
      "/home": "d755",
      "/home/Logs": "d755",
      "/home/Logs/ISIS": "d755",
      "/home/dts": "d755",
      "/home/dts/Config": "d755",
      "/home/dts/Config/isis.ini": "f644",
      "/usr": "d755",
      "/usr/local": "d755",
      "/usr/local/bin": "d755",
      "/usr/local/bin/isis": "f755",
      "/usr/local/bin/isisCmd": "l -> isis",
    });
  });

  test("the installed binary is a byte-for-byte copy of the running one, and runs", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const [installed, built] = await Promise.all([readFile(join(root, "usr/local/bin/isis")), readFile(ISIS_BIN)]);
    expect(installed.equals(built)).toBe(true);
    const version = Bun.spawnSync([join(root, "usr/local/bin/isis"), "-v"]);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString()).toStartWith("isis version ");
  });

  test("the instrument table is the repository's install/instruments.ini, embedded in the binary", async () => {
    const root = await stagingRoot();
    await installOk(root);
    expect(await text(root, "/etc/isis/instruments.ini")).toBe(await readFile(join(REPO, "install/instruments.ini"), "utf8"));
  });

  test("the unit runs the installed binary with -f CONFIG and lets it write the config's log directory and open its TTYPort", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const unit = await text(root, "/etc/systemd/system/isis.service");
    expect(unit).toContain(`\nExecStart=/usr/local/bin/isis server -d -f ${CONFIG}\n`);
    expect(unit).toContain("\nReadWritePaths=/home/Logs/ISIS\n");
    expect(unit).toContain("\nDeviceAllow=/dev/ttyD0 rw\n");
    expect(unit).toContain("\nType=notify\n");
  });

  test("systemd-analyze verify accepts the staged unit without a single warning", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const verify = await verifyStagedUnit(root);
    expect({ code: verify.code, output: verify.stdout + verify.stderr }).toEqual({ code: 0, output: "" });
  });

  test("systemd-analyze verify would catch a staged unit whose binary is missing (the check is real)", async () => {
    const root = await stagingRoot();
    await installOk(root);
    await rm(join(root, "usr/local/bin/isis"));
    const verify = await verifyStagedUnit(root);
    expect(verify.code).not.toBe(0);
    expect(verify.stderr).toContain("/usr/local/bin/isis is not executable");
  });

  test("systemd-analyze security --offline rates the staged unit's exposure at 4.0 or less (the old unit: 9.6)", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const { exposure, report } = await stagedExposure(root);
    console.log(`isis.service exposure: ${exposure}`);
    expect(exposure, report).toBeLessThanOrEqual(4.0);
  });

  test("the old manual unit, for comparison, is rated UNSAFE by the same check", async () => {
    const root = await stagingRoot({ "/etc/systemd/system/isis.service": OLD_UNIT });
    expect((await stagedExposure(root)).exposure).toBeGreaterThan(9);
  });

  test("without --config the unit runs the server on its default config, and the log directory is that config's", async () => {
    const root = await stagingRoot({ [CONFIG]: "ServerLog /data/isis/isis\n" });
    const run = await isis(["install", "--root", root]);
    expect(run.code).toBe(0);
    const unit = await text(root, "/etc/systemd/system/isis.service");
    expect(unit).toContain("\nExecStart=/usr/local/bin/isis server -d\n");
    expect(unit).toContain("\nReadWritePaths=/data/isis\n");
    expect((await stat(join(root, "data/isis"))).isDirectory()).toBe(true);
  });

  test("a second install changes nothing and says each part is already in place", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const before = await fingerprint(root);
    const again = await installOk(root);
    expect(await fingerprint(root)).toEqual(before);
    expect(again.stdout).toContain("is already identical to");
    expect(again.stdout).toContain("/etc/systemd/system/isis.service is up to date");
    expect(again.stdout).toContain("/etc/isis/instruments.ini exists: kept");
  });

  test("an existing instrument table is kept as the operator left it", async () => {
    const root = await stagingRoot({ [CONFIG]: FIELD_CONFIG, "/etc/isis/instruments.ini": "[lab]\nhost = 127.0.0.1\n" });
    await installOk(root);
    expect(await text(root, "/etc/isis/instruments.ini")).toBe("[lab]\nhost = 127.0.0.1\n");
  });

  test("prints each action as it does it", async () => {
    const root = await stagingRoot();
    const run = await installOk(root);
    for (const line of [
      "install /usr/local/bin/isis (copy of",
      "link /usr/local/bin/isisCmd -> isis",
      "write /etc/systemd/system/isis.service (mode 0644)",
      "write /etc/isis/instruments.ini (mode 0644)",
      "create directory /home/Logs/ISIS",
      "staging: SELinux labels and systemctl are left to the system",
    ]) {
      expect(run.stdout).toContain(line);
    }
  });
});

describe("isis install --dry-run", () => {
  test("on an empty staging root prints the plan and creates nothing", async () => {
    const root = await stagingRoot();
    const before = await fingerprint(root);
    const run = await isis(["install", "--dry-run", "--root", root, "--config", CONFIG]);
    expect(run.code).toBe(0);
    expect(await fingerprint(root)).toEqual(before);
    expect(run.stdout).toContain("would install /usr/local/bin/isis");
    expect(run.stdout).toContain("would write /etc/systemd/system/isis.service");
  });

  test("over an install whose config changed, keeps the old unit and only says it would rewrite it", async () => {
    const root = await stagingRoot();
    await installOk(root);
    await put(root, CONFIG, "ServerLog /data/isis/isis\n");
    const before = await fingerprint(root);
    const run = await isis(["install", "--dry-run", "--root", root, "--config", CONFIG]);
    expect(run.code).toBe(0);
    expect(await fingerprint(root)).toEqual(before);
    expect(run.stdout).toContain("would write /etc/systemd/system/isis.service");
    expect(run.stdout).toContain("would create directory /data/isis");
  });

  test("on this machine's live system prints the systemctl steps it would run and changes nothing", async () => {
    const watched = ["/usr/local/bin/isis", "/usr/local/bin/isisCmd", "/etc/systemd/system/isis.service", "/etc/isis", "/home/Logs/ISIS"];
    const state = () =>
      Promise.all(
        watched.map((p) =>
          lstat(p).then(
            (s) => `${p} ${s.ino} ${s.mtimeMs}`,
            () => `${p} absent`,
          ),
        ),
      );
    const before = await state();
    const run = await isis(["install", "--dry-run", "--now"]);
    expect(run.code).toBe(0);
    expect(await state()).toEqual(before);
    expect(run.stdout).toContain("would run: systemctl daemon-reload");
    expect(run.stdout).toContain("would run: systemctl enable isis.service");
    expect(run.stdout).toContain("would run: systemctl restart isis.service");
  });
});

describe("upgrading the old manual install (staged)", () => {
  async function oldInstall(): Promise<string> {
    const root = await stagingRoot({
      [CONFIG]: FIELD_CONFIG,
      "/usr/lib/systemd/system/isis.service": OLD_UNIT,
      "/usr/local/bin/isis.sh": "#!/bin/sh\n[ -x /usr/local/bin/isis ] && exec /usr/local/bin/isis -d\n",
      "/usr/local/bin/isis": "old C server binary",
      "/usr/local/bin/isisCmd": "#!/usr/bin/perl\n# the old client\n",
    });
    await mkdir(join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
    await symlink("/usr/lib/systemd/system/isis.service", join(root, "etc/systemd/system/multi-user.target.wants/isis.service"));
    return root;
  }

  test("removes the old unit, wrapper and enablement link and replaces the binary and the Perl client", async () => {
    const root = await oldInstall();
    const run = await installOk(root);
    const files = await tree(root);
    expect(files["/usr/lib/systemd/system/isis.service"]).toBeUndefined();
    expect(files["/usr/local/bin/isis.sh"]).toBeUndefined();
    expect(files["/etc/systemd/system/multi-user.target.wants/isis.service"]).toBeUndefined();
    expect(files["/usr/local/bin/isisCmd"]).toBe("l -> isis");
    expect((await readFile(join(root, "usr/local/bin/isis"))).equals(await readFile(ISIS_BIN))).toBe(true);
    expect(run.stdout).toContain("remove /usr/local/bin/isis.sh (old wrapper script, replaced by ExecStart)");
  });

  test("leaves one isis service that systemctl can enable (offline, `systemctl --root`) and that verifies", async () => {
    // `systemctl --root` edits the staged tree without a running systemd; it
    // stands in for the `systemctl enable` a live install runs.
    const root = await oldInstall();
    await installOk(root);
    const enable = Bun.spawnSync(["systemctl", `--root=${root}`, "enable", "isis.service"], { stderr: "pipe" });
    expect(enable.exitCode).toBe(0);
    expect(await readlink(join(root, "etc/systemd/system/multi-user.target.wants/isis.service"))).toBe("/etc/systemd/system/isis.service");
    const units = await tree(root);
    expect(
      Object.keys(units)
        .filter((p) => p.endsWith("/isis.service"))
        .sort(),
    ).toEqual(["/etc/systemd/system/isis.service", "/etc/systemd/system/multi-user.target.wants/isis.service"]);
    const verify = await verifyStagedUnit(root);
    expect(verify.code).toBe(0);
  });
});

describe("isis uninstall --root", () => {
  test("removes the binary, the link, the unit and its enablement, and keeps config, logs and the instrument table", async () => {
    const root = await stagingRoot();
    await installOk(root);
    Bun.spawnSync(["systemctl", `--root=${root}`, "enable", "isis.service"]);
    await put(root, "/home/Logs/ISIS/isis.20250915.log", "log line\n");
    const run = await isis(["uninstall", "--root", root]);
    expect(run.code).toBe(0);
    const files = await tree(root);
    for (const gone of [
      "/usr/local/bin/isis",
      "/usr/local/bin/isisCmd",
      "/etc/systemd/system/isis.service",
      "/etc/systemd/system/multi-user.target.wants/isis.service",
    ]) {
      expect(files[gone]).toBeUndefined();
    }
    expect(await text(root, CONFIG)).toBe(FIELD_CONFIG);
    expect(await text(root, "/home/Logs/ISIS/isis.20250915.log")).toBe("log line\n");
    expect(files["/etc/isis/instruments.ini"]).toBe("f644");
    expect(run.stdout).toContain("kept: the config file, the log directory and /etc/isis/instruments.ini");
  });

  test("also removes what the old manual install left, and a second uninstall finds nothing to do", async () => {
    const root = await stagingRoot({
      "/usr/lib/systemd/system/isis.service": OLD_UNIT,
      "/usr/local/bin/isis.sh": "#!/bin/sh\n",
      "/usr/local/bin/isis": "old binary",
    });
    expect((await isis(["uninstall", "--root", root])).code).toBe(0);
    expect(Object.keys(await tree(root)).filter((p) => p.includes("isis"))).toEqual([]);
    const again = await isis(["uninstall", "--root", root]);
    expect(again.stdout).toContain("isis is not installed: nothing to remove");
  });

  test("--dry-run removes nothing", async () => {
    const root = await stagingRoot();
    await installOk(root);
    const before = await fingerprint(root);
    const run = await isis(["uninstall", "--dry-run", "--root", root]);
    expect(run.code).toBe(0);
    expect(await fingerprint(root)).toEqual(before);
    expect(run.stdout).toContain("would remove /usr/local/bin/isis (the isis binary)");
  });
});

describe("several servers on one host: isis install --instance (staged)", () => {
  // The field's lab and test configs, as test/fixtures/config has them in short.
  const LAB = "/home/dts/Config/isis_lab.ini";
  const TEST = "/home/dts/Config/isis_test.ini";
  const servers = {
    [CONFIG]: FIELD_CONFIG,
    [LAB]: "ServerID IS\nServerPort 6600\nServerLog /home/Logs/ISIS/lab/isis\n",
    [TEST]: "ServerID IX\nServerPort 16600\nServerLog /home/Logs/ISIS/test/isis\nTTYPort /dev/ttyD1\n",
  };
  const install = async (root: string, ...args: string[]) => {
    const run = await isis(["install", "--root", root, ...args]);
    if (run.code !== 0) throw new Error(`isis install ${args.join(" ")} failed (${run.code}):\n${run.stdout}${run.stderr}`);
    return run;
  };

  test("two instances: one template, a drop-in each with its config, log directory and ports; both verify and are sandboxed as isis.service", async () => {
    const root = await stagingRoot(servers);
    await install(root, "--instance", "lab", "--config", LAB);
    await install(root, "--instance", "test", "--config", TEST);
    const files = await tree(root);
    expect(Object.keys(files).filter((p) => p.startsWith("/etc/systemd"))).toEqual([
      "/etc/systemd",
      "/etc/systemd/system",
      "/etc/systemd/system/isis@.service",
      "/etc/systemd/system/isis@lab.service.d",
      "/etc/systemd/system/isis@lab.service.d/isis-install.conf",
      "/etc/systemd/system/isis@test.service.d",
      "/etc/systemd/system/isis@test.service.d/isis-install.conf",
    ]);
    const template = await text(root, "/etc/systemd/system/isis@.service");
    expect(template).toContain("\nStateDirectory=isis/%i\n");
    expect(template).toContain("\nSyslogIdentifier=isis-%i\n");
    expect(template).not.toMatch(/^(ExecStart|ReadWritePaths)=/m);
    const testDropIn = await text(root, "/etc/systemd/system/isis@test.service.d/isis-install.conf");
    expect(testDropIn).toContain(`\nExecStart=/usr/local/bin/isis server -d -f ${TEST}\nReadWritePaths=/home/Logs/ISIS/test\nDeviceAllow=/dev/ttyD1 rw\n`);
    expect(files["/home/Logs/ISIS/lab"]).toBe("d755");
    for (const unit of ["isis@lab.service", "isis@test.service"]) {
      const verify = await verifyStagedUnit(root, unit);
      expect({ unit, code: verify.code, output: verify.stdout + verify.stderr }).toEqual({ unit, code: 0, output: "" });
      expect((await stagedExposure(root, unit)).exposure).toBeLessThanOrEqual(4.0);
    }
  });

  test("isis.service beside the instances is the same file as without them, and a rerun changes nothing", async () => {
    const alone = await stagingRoot(servers);
    await installOk(alone);
    const root = await stagingRoot(servers);
    await install(root, "--instance", "lab", "--config", LAB);
    await installOk(root);
    await install(root, "--instance", "test", "--config", TEST);
    expect(await text(root, "/etc/systemd/system/isis.service")).toBe(await text(alone, "/etc/systemd/system/isis.service"));
    const before = await fingerprint(root);
    const again = await install(root, "--instance", "test", "--config", TEST);
    expect(await fingerprint(root)).toEqual(before);
    expect(again.stdout).toContain("/etc/systemd/system/isis@test.service.d/isis-install.conf is up to date");
  });

  test("uninstall --instance takes one; the template and the binary go with the last server that uses them", async () => {
    const root = await stagingRoot(servers);
    await install(root, "--instance", "lab", "--config", LAB);
    await install(root, "--instance", "test", "--config", TEST);
    expect(Bun.spawnSync(["systemctl", `--root=${root}`, "enable", "isis@lab.service", "isis@test.service"]).exitCode).toBe(0);
    await put(root, "/etc/systemd/system/isis@lab.service.d/override.conf", "[Service]\nNice=-5\n");

    expect((await isis(["uninstall", "--root", root, "--instance", "test"])).code).toBe(0);
    let files = await tree(root);
    expect(files["/etc/systemd/system/isis@test.service.d"]).toBeUndefined();
    expect(files["/etc/systemd/system/multi-user.target.wants/isis@test.service"]).toBeUndefined();
    expect(files["/etc/systemd/system/multi-user.target.wants/isis@lab.service"]).toBe("l -> /etc/systemd/system/isis@.service");
    expect(files["/etc/systemd/system/isis@.service"]).toBe("f644");
    expect(files["/usr/local/bin/isis"]).toBe("f755");

    const last = await isis(["uninstall", "--root", root, "--instance", "lab"]);
    expect(last.code).toBe(0);
    files = await tree(root);
    for (const gone of [
      "/etc/systemd/system/isis@.service",
      "/etc/systemd/system/isis@lab.service.d/isis-install.conf",
      "/usr/local/bin/isis",
      "/usr/local/bin/isisCmd",
    ]) {
      expect({ gone, there: files[gone] }).toEqual({ gone, there: undefined });
    }
    // The operator's own drop-in stays, as a plain uninstall leaves `systemctl edit isis`'s.
    expect(await text(root, "/etc/systemd/system/isis@lab.service.d/override.conf")).toBe("[Service]\nNice=-5\n");
    expect(last.stdout).toContain("holds local changes (systemctl edit): left in place");
  });

  test.each([
    [["install", "--instance", "lab", "--root", "/tmp/x"], "--instance lab needs --config FILE"],
    [["install", "--instance", "lab/../x", "--config", "/x.ini", "--root", "/tmp/x"], "--instance 'lab/../x': a name of 1 to 32 letters"],
    [["uninstall", "--instance", "a b", "--root", "/tmp/x"], "--instance 'a b': a name of 1 to 32 letters"],
  ])("%p is refused: %s", async (args, message) => {
    const run = await isis(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });
});

describe("refusals: one line, exit 1, nothing written", () => {
  const hasSetpriv = Bun.which("setpriv") !== null;

  test.skipIf(!hasSetpriv)("a user who is not root is told to use sudo (or --root / --dry-run)", async () => {
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    for (const command of ["install", "uninstall"]) {
      const run = await isis([command], asNobody);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n").filter(Boolean)).toHaveLength(1);
      expect(run.stderr).toContain(`isis ${command} must run as root: sudo isis ${command}`);
    }
  });

  test.each([
    [["install", "--dryrun"], "unknown option '--dryrun'"],
    [["install", "--config", "isis.ini", "--root", "/tmp/x"], "--config needs an absolute path, got 'isis.ini'"],
    [["install", "--root", "/"], "--root / is the live system"],
    [["uninstall", "--now", "--root", "/tmp/x"], "unknown option '--now'"],
    [["install", "now"], "unexpected argument 'now'"],
  ])("%p: %s", async (args, message) => {
    const run = await isis(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });

  test("an invalid config stops the install before anything is written", async () => {
    const root = await stagingRoot({ [CONFIG]: "ServerPort many\n" });
    const before = await fingerprint(root);
    const run = await isis(["install", "--root", root, "--config", CONFIG]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ServerPort 'many'");
    expect(await fingerprint(root)).toEqual(before);
  });

  test("run from source (not the compiled binary) it refuses, since it would install the bun runtime as isis", async () => {
    const root = await stagingRoot();
    const proc = Bun.spawn([process.execPath, join(REPO, "src/main.ts"), "install", "--root", root], { stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(stderr).toContain("run the compiled one");
    expect(Object.keys(await tree(root)).some((p) => p.startsWith("/usr"))).toBe(false);
  });
});

describe("the unit's sandbox against the running server", () => {
  // No systemd runs here, so the sandbox itself cannot be applied. What can
  // be checked: every system call the compiled server makes while starting,
  // serving, notifying and stopping is one the unit's SystemCallFilter allows,
  // and every socket it opens is of a family RestrictAddressFamilies allows.
  test.skipIf(Bun.which("strace") === null)(
    "the server makes no system call and opens no socket family the unit denies",
    async () => {
      const root = await stagingRoot();
      await installOk(root);
      const unit = await text(root, "/etc/systemd/system/isis.service");
      const settings = (key: string) => unit.split("\n").flatMap((l) => (l.startsWith(`${key}=`) ? [l.slice(key.length + 1)] : []));
      // A leading ~ turns the whole line into a deny list.
      const filters = settings("SystemCallFilter");
      const allowed = await expandSyscallSets(filters.filter((f) => !f.startsWith("~")).flatMap((f) => f.split(" ")));
      const denied = await expandSyscallSets(filters.filter((f) => f.startsWith("~")).flatMap((f) => f.slice(1).split(" ")));
      const families = settings("RestrictAddressFamilies").flatMap((f) => f.split(" "));

      const dir = makeTempDir("isis-strace-");
      roots.push(dir);
      await writeFile(join(dir, "isis.ini"), `ServerID IS\nServerPort 0\nServerLog ${dir}/logs/isis\nLogDate UTC\n`);
      const receiver = NotifyReceiver.inTempDir();
      const trace = join(dir, "trace");
      const proc = Bun.spawn(["strace", "-f", "-qq", "-o", trace, ISIS_BIN, "server", "-d", "-f", join(dir, "isis.ini")], {
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "200000" },
      });
      const client = await UdpClient.open();
      try {
        // Keep reading stdout to the end: closing the pipe early would kill the server.
        const port = await new Promise<number>((found) => {
          let output = "";
          void (async () => {
            for await (const chunk of proc.stdout) {
              output += new TextDecoder().decode(chunk);
              const match = output.match(/on port (\d+)/);
              if (match) found(Number(match[1]));
            }
          })();
        });
        for (const request of ["PING", "STATUS", "VERSION", "HOSTS"]) {
          expect(await client.request(`T1>IS ${request}\r`, port)).toStartWith("IS>T1 ");
        }
        await receiver.waitFor((m) => m === "WATCHDOG=1", 2); // its watchdog pings are traced too
      } finally {
        client.close();
        // SIGTERM the server itself (strace's child), so its shutdown is traced too.
        const children = await readFile(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").catch(() => "");
        for (const pid of children.trim().split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGTERM");
        await proc.exited;
        receiver.close();
      }

      const lines = (await readFile(trace, "utf8")).split("\n");
      const calls = new Set(lines.flatMap((l) => l.match(/^\d+\s+([a-z_0-9]+)\(/)?.[1] ?? []));
      expect(calls.size).toBeGreaterThan(20);
      expect([...calls].filter((c) => !allowed.has(c) || denied.has(c))).toEqual([]);
      const opened = new Set(lines.flatMap((l) => l.match(/socket\((AF_[A-Z0-9]+)/)?.[1] ?? []));
      expect([...opened].filter((f) => !families.includes(f))).toEqual([]);
    },
    20_000,
  );
});
