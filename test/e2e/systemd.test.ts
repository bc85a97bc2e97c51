// dist/isis installed and run under a real systemd (252 on Debian 12, the
// version AlmaLinux 9 ships): a container boots this machine's own root on
// a throwaway overlay (test/helpers/container.ts), `isis install --now` puts
// the service in, and the unit's promises are checked against systemd
// itself: readiness and status notification, Restart=, the watchdog, the
// StateDirectory, a drop-in kept across a reinstall, and uninstall. The
// container shares the host's network, so the server answers on 127.0.0.1.
//
// One boot serves every test. Each test starts from the service installed
// and serving, and leaves it so, so they pass alone and in any order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { readPage } from "../../src/protocol/report-page.ts";
import { statusText } from "../../src/server/live-status.ts";
import { Container, copyInto, sweepStaleContainers, whyNoContainer, writeInto } from "../helpers/container.ts";
import { freeUdpPort, freeUdpPortPair } from "../helpers/proc.ts";
import { ISIS_BIN } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

const cannot = whyNoContainer();
if (cannot) console.warn(`test/e2e/systemd.test.ts skipped: ${cannot}`);

// Where the field keeps things: the default config path, logs under /home/Logs.
const CONFIG = "/home/dts/Config/isis.ini";
const LOG_DIR = "/home/Logs/ISIS";
const BINARY = "/opt/isis-test/isis";
const DROP_IN = "/etc/systemd/system/isis.service.d/test.conf";
// The watchdog lowered so a hung server is caught in seconds; restarts quick;
// no start rate limit (the tests restart the service more often than
// StartLimitBurst allows in StartLimitIntervalSec).
const DROP_IN_TEXT = "[Unit]\nStartLimitIntervalSec=0\n\n[Service]\nWatchdogSec=2s\nRestartSec=200ms\n";

// Each check restarts the service at most twice; on a loaded 2-core machine that can take a while.
const STEP_MS = 60_000;

let container: Container;
let port: number;
let client: UdpClient;
let installOutput = "";
const timings: string[] = [];

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  timings.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

/** Properties of the isis unit, as systemd sees them. */
async function unit(...names: string[]): Promise<Record<string, string>> {
  const out = await container.must(["systemctl", "show", "isis.service", ...names.map((n) => `--property=${n}`)]);
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/** The service is up with a main process other than `notPid`, and answers a PING. Returns its main PID. */
async function serving(notPid = "0", timeoutMs = 20_000): Promise<string> {
  const state = await waitUntil(
    "isis.service active and running",
    async () => {
      const p = await unit("ActiveState", "SubState", "MainPID");
      return p.ActiveState === "active" && p.SubState === "running" && p.MainPID !== "0" && p.MainPID !== notPid && p;
    },
    { timeoutMs, pollMs: 100 },
  );
  // A started server PINGs the clients it restored (us among them): skip those.
  client.send("T1>IS PING\r", port);
  expect(await client.nextMatching(/^IS>T1 PONG\r$/, 5000)).toBe("IS>T1 PONG\r");
  return state.MainPID as string;
}

async function install(...args: string[]): Promise<string> {
  const r = await container.run([BINARY, "install", ...args], 60_000);
  if (r.code !== 0) throw new Error(`isis install ${args.join(" ")}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Interrupted (Ctrl+C, a CI timeout), the runner skips afterAll: take the container down first. */
function onInterrupt(signal: NodeJS.Signals): void {
  const code = signal === "SIGINT" ? 130 : 143;
  void (container ? container.stop() : Promise.resolve()).finally(() => process.exit(code));
}

const journal = (...args: string[]) => container.must(["journalctl", "--unit=isis.service", "--no-pager", "--output=cat", ...args]);

describe.skipIf(cannot !== undefined)("under a real systemd (a container booted with systemd-nspawn)", () => {
  beforeAll(async () => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, onInterrupt);
    const swept = await sweepStaleContainers();
    if (swept.length > 0) console.warn(`removed containers left by an earlier run: ${swept.join(" ")}`);
    port = await freeUdpPort();
    container = await timed("boot", () =>
      Container.boot((root) => {
        copyInto(root, ISIS_BIN, BINARY, 0o755);
        writeInto(root, CONFIG, `ServerID IS\nServerPort ${port}\nServerLog ${LOG_DIR}/isis\nLogDate UTC\n`);
      }),
    );
    client = await UdpClient.open();
    installOutput = await timed("isis install --now", () => install("--now"));
    // A local change, as `systemctl edit isis` makes one.
    writeInto(container.root, DROP_IN, DROP_IN_TEXT);
    await container.must(["systemctl", "daemon-reload"]);
    await container.must(["systemctl", "restart", "isis.service"]);
    await serving();
  }, 120_000);

  afterAll(async () => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(signal, onInterrupt);
    client?.close();
    if (container) await timed("shutdown", () => container.stop());
    if (timings.length > 0) console.log(`systemd container: ${timings.join(", ")}`);
  }, 60_000);

  test(
    "isis install --now: enabled and active; systemd saw READY=1 (Type=notify) and shows the STATUS= text",
    async () => {
      expect(installOutput).toContain("systemctl is-active isis.service: active");
      expect((await container.run(["systemctl", "is-active", "isis.service"])).stdout.trim()).toBe("active");
      expect((await container.run(["systemctl", "is-enabled", "isis.service"])).stdout.trim()).toBe("enabled");
      const p = await unit("Type", "ActiveState", "SubState", "StatusText", "WatchdogUSec", "FragmentPath", "DropInPaths");
      // A Type=notify service is "active (running)" only once READY=1 has come.
      expect(p).toMatchObject({ Type: "notify", ActiveState: "active", SubState: "running", FragmentPath: "/etc/systemd/system/isis.service" });
      // The live status line (sent with READY=1, then on change): server, clients, stale, late.
      expect(p.StatusText).toMatch(new RegExp(`^IS:${port} · \\d+ clients?, \\d+ stale( \\([^)]*\\))? · \\d+ late$`));
      expect(p.WatchdogUSec).toBe("2s");
      expect(p.DropInPaths).toBe(DROP_IN);
    },
    STEP_MS,
  );

  test(
    "the status line systemd shows follows the host table (sent on change, at most every 5 s)",
    async () => {
      await serving();
      const agent = await UdpClient.open();
      try {
        expect(await agent.request("ST1>IS PING\r", port)).toBe("IS>ST1 PONG\r");
        // What LIVENESS says now, in the status line's words; it is the line systemd shows within 5 s.
        const liveness = async () => {
          client.send("T1>IS LIVENESS\r", port);
          const page = readPage(await client.nextMatching(/^IS>T1 DONE: LIVENESS /));
          const items = page.items.map((k) => (page.fields[k] ?? "").split(","));
          const stale = items.filter((f) => f.at(-1) === "stale").map((f) => f[0] as string);
          return statusText({ serverId: "IS", port, clients: items.length, stale, late: 0 });
        };
        await waitUntil("StatusText to be what LIVENESS says", async () => (await unit("StatusText")).StatusText === (await liveness()), {
          timeoutMs: 15_000,
          pollMs: 500,
        });
        expect((await unit("StatusText")).StatusText).toContain(" clients, ");
      } finally {
        agent.close();
      }
    },
    STEP_MS,
  );

  test(
    "the journal ranks each line (sd-daemon priority prefixes): -p warning shows a config warning and not the start, and no line carries its own timestamp",
    async () => {
      await serving();
      const config = readFileSync(container.path(CONFIG), "utf8");
      try {
        writeInto(container.root, CONFIG, `${config}Frobnicate 12\n`);
        await container.must(["systemctl", "restart", "isis.service"]);
        const pid = await serving();
        const mine = [`_PID=${pid}`];
        const warnings = await container.must(["journalctl", "--no-pager", "--output=cat", "-p", "warning", ...mine]);
        expect(warnings).toContain(`${CONFIG}:5: warning: unknown keyword 'Frobnicate' ignored`);
        expect(warnings).not.toContain("server started as host");
        const notices = await container.must(["journalctl", "--no-pager", "--output=cat", "-p", "notice", ...mine]);
        expect(notices).toContain(`server started as host IS on port ${port}`);
        expect(notices).not.toContain("cold start done");
        const all = await container.must(["journalctl", "--no-pager", "--output=json", ...mine]);
        const entries = all
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as { MESSAGE: string; PRIORITY: string });
        const priorityOf = (text: string) => entries.find((e) => e.MESSAGE.includes(text))?.PRIORITY;
        expect([priorityOf("unknown keyword"), priorityOf("server started as host"), priorityOf("cold start done")]).toEqual(["4", "5", "6"]);
        // journald stamps each line; the server adds none (and no `<N>` is left in a message).
        expect(entries.filter((e) => /^(<\d>|\d{4}-\d\d-\d\dT)/.test(e.MESSAGE))).toEqual([]);
      } finally {
        writeInto(container.root, CONFIG, config);
        await container.must(["systemctl", "restart", "isis.service"]);
        await serving();
      }
    },
    STEP_MS,
  );

  test(
    "a reply through the installed unit, over UDP and from the installed isisCmd",
    async () => {
      await serving();
      const status = await client.request("T1>IS STATUS\r", port);
      expect(status).toStartWith("IS>T1 DONE: STATUS HostName=IS HostAddr=");
      expect(status).toContain(` rcFile=${CONFIG} logFile=${LOG_DIR}/isis.`);
      const cmd = await container.run(["/usr/local/bin/isisCmd", "--host", `127.0.0.1:${port}`, "is", "ping"]);
      expect(cmd).toMatchObject({ code: 0, stdout: "PONG\n" });
      // It writes the log directory the unit allows, and nothing else.
      await waitUntil("the runtime log", () => textOf(container.path(`${LOG_DIR}/isis.${utcKey()}.log`)).includes("T1>IS STATUS"));
    },
    STEP_MS,
  );

  test(
    "EXEC: QUIT: the server stops cleanly and systemd brings it back (Restart=)",
    async () => {
      const before = await serving();
      const { NRestarts } = await unit("NRestarts");
      client.send("T1>IS EXEC: QUIT\r", port);
      expect(await client.nextMatching(/^IS>T1 DONE: QUIT/)).toBe("IS>T1 DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r");
      const after = await serving(before);
      expect(after).not.toBe(before);
      expect(Number((await unit("NRestarts")).NRestarts)).toBe(Number(NRestarts) + 1);
    },
    STEP_MS,
  );

  test(
    "a server that stops answering (SIGSTOP) is killed by the watchdog and restarted",
    async () => {
      const before = await serving();
      await container.must(["kill", "-STOP", before]);
      const after = await serving(before, 30_000);
      expect(after).not.toBe(before);
      expect(await journal()).toContain("Watchdog timeout (limit 2s)!");
    },
    STEP_MS,
  );

  test(
    "routes survive systemctl restart: the host table is kept in the StateDirectory",
    async () => {
      await serving();
      const agent = await UdpClient.open();
      try {
        expect(await agent.request("RT1>IS PING\r", port)).toBe("IS>RT1 PONG\r");
        const state = container.path("/var/lib/isis/isis-hosts.json");
        await waitUntil("RT1 in /var/lib/isis/isis-hosts.json", () => textOf(state).includes(`"port": ${agent.port}`));
        await container.must(["systemctl", "restart", "isis.service"]);
        await serving();
        expect(await journal("--lines=20")).toContain("clients from /var/lib/isis/isis-hosts.json");
        // RT1 has said nothing to the new process; it is routed to all the same.
        client.send("T1>RT1 are you there\r", port);
        expect(await agent.nextMatching(/^T1>RT1 /, 5000)).toBe("T1>RT1 are you there\r");
      } finally {
        agent.close();
      }
    },
    STEP_MS,
  );

  test(
    "a reinstall changes nothing: files, drop-in and running process stay as they are",
    async () => {
      const pid = await serving();
      const files = [BINARY, "/usr/local/bin/isis", "/etc/systemd/system/isis.service", DROP_IN, "/etc/isis/instruments.ini"];
      const before = files.map((f) => readFileSync(container.path(f)));
      const output = await install();
      expect(output).toContain("/etc/systemd/system/isis.service is up to date");
      expect(output).toContain("/usr/local/bin/isis is already identical to");
      expect(output).not.toMatch(/✔ (write|install|create|link) /);
      expect(files.map((f) => readFileSync(container.path(f)))).toEqual(before);
      expect(await serving()).toBe(pid);
      expect((await unit("WatchdogUSec")).WatchdogUSec).toBe("2s");
    },
    STEP_MS,
  );

  test(
    "two more servers as instances (isis@lab, isis@test): each answers on its port with its own state directory and journal tag; uninstall takes one, then the other, the plain service untouched",
    async () => {
      const plainPid = await serving();
      const [labPort, testPort] = await freeUdpPortPair();
      const configs = {
        lab: ["/home/dts/Config/isis_lab.ini", `ServerID LB\nServerPort ${labPort}\nServerLog ${LOG_DIR}/lab/isis\nLogDate UTC\n`],
        test: ["/home/dts/Config/isis_test.ini", `ServerID IX\nServerPort ${testPort}\nServerLog ${LOG_DIR}/test/isis\nLogDate UTC\n`],
      } as const;
      for (const [name, [path, text]] of Object.entries(configs)) {
        writeInto(container.root, path, text);
        const output = await install("--instance", name, "--config", path, "--now");
        expect(output).toContain(`systemctl is-active isis@${name}.service: active`);
      }
      const show = async (unitName: string, ...names: string[]) =>
        Object.fromEntries(
          (await container.must(["systemctl", "show", unitName, ...names.map((n) => `--property=${n}`)]))
            .trim()
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
      const agent = await UdpClient.open();
      try {
        for (const [name, id, p] of [
          ["lab", "LB", labPort],
          ["test", "IX", testPort],
        ] as const) {
          const props = await show(`isis@${name}.service`, "ActiveState", "FragmentPath", "DropInPaths", "StatusText");
          expect(props).toMatchObject({ ActiveState: "active", FragmentPath: "/etc/systemd/system/isis@.service" });
          expect(props.DropInPaths).toContain(`/etc/systemd/system/isis@${name}.service.d/isis-install.conf`);
          expect(props.StatusText).toStartWith(`${id}:${p} · `);
          expect(await agent.request(`AG>${id} PING\r`, p)).toBe(`${id}>AG PONG\r`);
          // Each keeps its host table in its own StateDirectory, and tags its journal lines isis-NAME.
          await waitUntil(`AG in /var/lib/isis/${name}/isis-hosts.json`, () =>
            textOf(container.path(`/var/lib/isis/${name}/isis-hosts.json`)).includes(`"port": ${agent.port}`),
          );
          expect(await container.must(["journalctl", "--no-pager", "--output=cat", "-t", `isis-${name}`])).toContain(
            `server started as host ${id} on port ${p}`,
          );
          expect(textOf(container.path(`/var/lib/isis/${name}/isis-hosts.json`))).toContain(`"serverId": "${id}"`);
        }
      } finally {
        agent.close();
      }
      expect(textOf(container.path("/var/lib/isis/isis-hosts.json"))).not.toContain('"name": "AG"');

      const first = (await container.must(["/usr/local/bin/isis", "uninstall", "--instance", "test"])) as string;
      expect(first).toContain("kept /usr/local/bin/isis and /usr/local/bin/isisCmd: isis.service, isis@lab.service still run it");
      expect((await show("isis@test.service", "ActiveState")).ActiveState).not.toBe("active");
      expect(existsSync(container.path("/etc/systemd/system/isis@test.service.d"))).toBe(false);
      expect((await show("isis@lab.service", "ActiveState")).ActiveState).toBe("active");
      await container.must(["/usr/local/bin/isis", "uninstall", "--instance", "lab"]);
      expect(existsSync(container.path("/etc/systemd/system/isis@.service"))).toBe(false);
      expect((await show("isis@lab.service", "LoadState")).LoadState).toBe("not-found");
      // The one-server service never noticed.
      expect(await serving()).toBe(plainPid);
      expect(existsSync(container.path("/usr/local/bin/isis"))).toBe(true);
    },
    STEP_MS * 2,
  );

  test(
    "isis uninstall removes the unit and the binary, keeps config, logs and drop-in; install brings it back",
    async () => {
      await serving();
      const output = (await container.must(["/usr/local/bin/isis", "uninstall"])) as string;
      expect(output).toContain("kept: the config file, the log directory and /etc/isis/instruments.ini");
      expect((await container.run(["systemctl", "is-active", "isis.service"])).stdout.trim()).not.toBe("active");
      expect((await unit("LoadState")).LoadState).toBe("not-found");
      for (const gone of ["/etc/systemd/system/isis.service", "/usr/local/bin/isis", "/usr/local/bin/isisCmd"])
        expect(existsSync(container.path(gone))).toBe(false);
      for (const kept of [CONFIG, `${LOG_DIR}/isis.${utcKey()}.log`, "/etc/isis/instruments.ini", DROP_IN]) expect(existsSync(container.path(kept))).toBe(true);
      // The service was stopped cleanly: its last words are in the log it kept.
      expect(textOf(container.path(`${LOG_DIR}/isis.${utcKey()}.log`))).toMatch(/ Server shutting down \(SIGTERM\)\n$/);

      await install("--now");
      await serving();
    },
    STEP_MS,
  );
});

function utcKey(): string {
  return new Date().toISOString().slice(0, 10).replaceAll("-", "");
}
