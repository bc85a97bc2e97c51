// The host table state file: where it lives, what it holds, how it is read
// back, and how it is written (real files in a temp dir).
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SERVER_CONFIG, parseServerConfig, type ServerConfig } from "../../src/config/server-config.ts";
import { HostTable } from "../../src/core/host-table.ts";
import { decodeState, encodeState, ownerProblem, readState, restoreHosts, StateSaver, stateFilePath } from "../../src/server/state-file.ts";
import { udpEndpoint } from "../../src/shared/endpoint.ts";
import { ManualScheduler } from "../helpers/manual-scheduler.ts";
import { makeTempDir } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";

const config = (text = ""): ServerConfig => parseServerConfig(`ServerLog /logs/isis\n${text}`).config;

function table(): HostTable {
  const t = new HostTable();
  t.touch("A1", udpEndpoint("127.0.0.1", 1000), 5000);
  t.touch("M1.IE", { kind: "serial", index: 1, device: "/dev/ttyS1" }, 6000);
  t.touch("B1", udpEndpoint("192.168.139.20", 2000), 7000);
  t.remove("A1"); // leaves slot 0 empty: slots must come back as they were
  return t;
}

describe("where the state file is", () => {
  test("StateFile wins; then systemd's STATE_DIRECTORY (the first); then beside the runtime log", () => {
    expect(stateFilePath(config("StateFile /data/isis.json"), "/var/lib/isis")).toBe("/data/isis.json");
    expect(stateFilePath(config(), "/var/lib/isis")).toBe("/var/lib/isis/isis-hosts.json");
    expect(stateFilePath(config(), undefined)).toBe("/logs/isis.hosts.json");
    expect(stateFilePath(config("StateFile off"), "/var/lib/isis")).toBeUndefined();
  });
});

describe("what it holds and how it comes back", () => {
  test("names, slots, endpoints and last-heard times survive a round trip", () => {
    const saved = decodeState(encodeState("IS", 6600, table().entries(), Date.UTC(2025, 8, 15)));
    expect(saved.ok).toBe(true);
    if (!saved.ok) return;
    const back = new HostTable();
    const cfg = config("TTYPort /dev/ttyS0\nTTYPort /dev/ttyS1\n");
    expect(restoreHosts(back, saved.hosts, cfg)).toEqual({ restored: 2, skipped: [] });
    const route = (t: HostTable) => t.entries().map(({ name, slot, endpoint, lastHeard }) => ({ name, slot, endpoint, lastHeard }));
    expect(route(back)).toEqual(route(table()));
  });

  test("an entry that no longer fits the configuration is skipped and named", () => {
    const saved = decodeState(encodeState("IS", 6600, table().entries(), 0));
    if (!saved.ok) throw new Error(saved.reason);
    const back = new HostTable();
    // ttyS1 is now another device, and B1 is pinned elsewhere.
    const cfg = config("TTYPort /dev/ttyS0\nTTYPort /dev/ttyUSB0\nPin B1 10.0.0.1\n");
    expect(restoreHosts(back, saved.hosts, cfg)).toEqual({ restored: 0, skipped: ["M1.IE", "B1"] });
  });

  test("hand-edited or damaged entries are skipped one by one, the good ones kept", () => {
    const text = JSON.stringify({
      format: "isis-hosts",
      version: 1,
      hosts: [
        { name: "GOOD", slot: 3, lastHeard: 1, udp: { address: "127.0.0.1", port: 5 } },
        { name: "TOOLONGNAME", slot: 4, lastHeard: 1, udp: { address: "127.0.0.1", port: 5 } },
        { name: "BADIP", slot: 5, lastHeard: 1, udp: { address: "999.0.0.1", port: 5 } },
        { name: "BADSLOT", slot: 99, lastHeard: 1, udp: { address: "127.0.0.1", port: 6 } },
        { name: "DUP", slot: 3, lastHeard: 1, udp: { address: "127.0.0.1", port: 7 } },
        { name: "EVIL\nLINE", slot: 6, lastHeard: 1, udp: { address: "127.0.0.1", port: 8 } },
        { name: "X".repeat(5000), slot: 7, lastHeard: 1, udp: { address: "127.0.0.1", port: 9 } },
        null,
        "junk",
      ],
    });
    const saved = decodeState(text);
    if (!saved.ok) throw new Error(saved.reason);
    const back = new HostTable();
    const result = restoreHosts(back, saved.hosts, DEFAULT_SERVER_CONFIG);
    expect(result.restored).toBe(1);
    expect(back.get("GOOD")?.slot).toBe(3);
    // The journal names what it skipped on one line each, escaped and cut.
    expect(result.skipped).toEqual(["TOOLONGNAME", "BADIP", "BADSLOT", "DUP", "EVIL\\x0aLINE", `${"X".repeat(32)}...`, "?", "?"]);
  });

  test("the file says whose table it is; another server's (another ServerID, another fixed port) is not restored", () => {
    const saved = decodeState(encodeState("IX", 16600, table().entries(), 0));
    expect(saved).toMatchObject({ ok: true, serverId: "IX", port: 16600 });
    if (!saved.ok) throw new Error(saved.reason);
    expect(ownerProblem(saved, "IX", 16600)).toBeUndefined();
    expect(ownerProblem(saved, "IS", 6600)).toBe("it is the host table of IX on port 16600, not of this server (IS on port 6600)");
    expect(ownerProblem(saved, "IX", 6600)).toBe("it is the host table of IX on port 16600, not of this server (IX on port 6600)");
    // ServerPort 0 takes any port at each start: only the ServerID can tell.
    expect(ownerProblem(saved, "IX", 0)).toBeUndefined();
    expect(ownerProblem(saved, "IS", 0)).toBe("it is the host table of IX on port 16600, not of this server (IS on port any)");
    // A file from before the owner was recorded is taken as ours.
    expect(ownerProblem({}, "IS", 6600)).toBeUndefined();
  });

  test("a file that is not ours is a reason, not an exception", () => {
    expect(decodeState("{not json").ok).toBe(false);
    expect(decodeState("[]").ok).toBe(false);
    expect(decodeState('{"format":"isis-hosts","version":2,"hosts":[]}')).toEqual({ ok: false, missing: false, reason: "unknown version 2" });
    expect(decodeState('{"format":"isis-hosts","version":1}')).toEqual({ ok: false, missing: false, reason: "no host list" });
  });

  test("a missing file is told apart from an unreadable one", async () => {
    const dir = makeTempDir();
    expect(await readState(join(dir, "none.json"))).toEqual({ ok: false, missing: true, reason: "no such file" });
    expect(await readState(dir)).toMatchObject({ ok: false, missing: false });
  });
});

describe("the saver", () => {
  test("a burst of changes is one write, made the debounce time after the first, atomically (no temp file left)", async () => {
    const dir = makeTempDir();
    const path = join(dir, "sub", "hosts.json");
    const clock = new ManualScheduler();
    let snapshots = 0;
    const saver = new StateSaver({
      path,
      snapshot: () => {
        snapshots++;
        return `{"n":${snapshots}}\n`;
      },
      onProblem: (_priority, m) => {
        throw new Error(m);
      },
      debounceMs: 250,
      scheduler: clock,
    });
    for (let i = 0; i < 100; i++) saver.schedule();
    clock.advance(249);
    expect(snapshots).toBe(0);
    expect(existsSync(path)).toBe(false);
    clock.advance(1);
    await waitUntil("the first save", () => saver.saves === 1);
    expect(snapshots).toBe(1);
    expect(readFileSync(path, "utf8")).toBe('{"n":1}\n');
    expect(readdirSync(join(dir, "sub"))).toEqual(["hosts.json"]);
    expect(clock.pending).toBe(0);
    await saver.flush();
    expect(readFileSync(path, "utf8")).toBe('{"n":2}\n');
    expect(saver.saves).toBe(2);
  });

  test("changes while a write is under way ride along in one more write, without a new timer", async () => {
    const dir = makeTempDir();
    const path = join(dir, "hosts.json");
    const clock = new ManualScheduler();
    let snapshots = 0;
    const saver = new StateSaver({
      path,
      snapshot: () => {
        snapshots++;
        // Changes arriving (from the message path, a turn later) while this write is on its way to the disk.
        if (snapshots === 1) queueMicrotask(() => Array.from({ length: 10 }, () => saver.schedule()));
        return `{"n":${snapshots}}\n`;
      },
      onProblem: (_priority, m) => {
        throw new Error(m);
      },
      scheduler: clock,
    });
    saver.schedule();
    clock.advance(250);
    await waitUntil("two saves", () => saver.saves === 2);
    expect(clock.pending).toBe(0);
    expect(readFileSync(path, "utf8")).toBe('{"n":2}\n');
    clock.advance(60_000);
    expect(snapshots).toBe(2);
  });

  test("a directory it cannot write to is reported once, and once more when it works again", async () => {
    const dir = makeTempDir();
    const blocker = join(dir, "blocked");
    writeFileSync(blocker, "a file where the directory should be");
    const problems: string[] = [];
    const saver = new StateSaver({ path: join(blocker, "hosts.json"), snapshot: () => "{}\n", onProblem: (_priority, m) => problems.push(m), debounceMs: 1 });
    for (let i = 0; i < 3; i++) await saver.flush();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`cannot save the host table to ${join(blocker, "hosts.json")}`);
    saver.retarget(join(dir, "ok", "hosts.json"));
    await saver.flush();
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain("is writable again");
    expect(readFileSync(join(dir, "ok", "hosts.json"), "utf8")).toBe("{}\n");
  });

  test("the file is written 0644 whatever the old one was", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "s"));
    const path = join(dir, "s", "h.json");
    writeFileSync(path, "old");
    chmodSync(path, 0o600);
    const saver = new StateSaver({ path, snapshot: () => "new", onProblem: () => {} });
    await saver.flush();
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(statSync(path).mode & 0o777).toBe(0o644 & ~process.umask());
  });
});
