// A scripted night on the compiled server, on loopback: agents answering
// commands (one slowly, one with errors, one never), a RESTART, a server
// stopped and started again, an agent that moves, malformed input, a
// flood, a one-shot client gone before a request to it (a loss, a client
// unreachable) and a message in the server's own name (a loop cut). Then
// `isis log summary --json` is checked against what was sent, and against
// STATS and INFLIGHT taken at the end; `isis log grep` against
// the lines it must find; `--follow` against a line written while it runs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Summary } from "../../src/forensics/summary.ts";
import { floodUntilLimited } from "../helpers/flood.ts";
import { ISIS_BIN, type RunningServer, startServer } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { textOf, waitUntil } from "../helpers/wait.ts";

/** The next datagram matching `re`; the server's PINGs (after a start or RESTART) and anything else before it are passed over. */
const expectNext = (c: UdpClient, re: RegExp): Promise<string> => c.nextMatching(re, 5000);

const fields = (reply: string): Record<string, string> =>
  Object.fromEntries(
    reply
      .trim()
      .split(" ")
      .flatMap((w) => (w.includes("=") ? [w.split("=", 2) as [string, string]] : [])),
  );

function isis(args: string[], env: Record<string, string | undefined> = {}): { code: number; out: string; err: string } {
  const p = Bun.spawnSync([ISIS_BIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: undefined, ...env } });
  return { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() };
}

let first: RunningServer;
let second: RunningServer;
let config: string;
let logRoot: string;
const agents: UdpClient[] = [];
let stats: Record<string, string>;
let inflight: string;
let floodDropped = 0;
let summary: Summary;
/** When the one-shot client was found unreachable: between these two. */
let lostAfter = 0;
let lostBefore = 0;

const logText = (): string => textOf(`${logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`);

beforeAll(async () => {
  first = await startServer({ config: "CommandTimeout 1\nStaleAfter 2\n" });
  config = first.configPath;
  logRoot = first.logRoot;
  const open = async () => {
    const c = await UdpClient.open();
    agents.push(c);
    return c;
  };
  const [ipc, ie, cb, tc, rc] = [await open(), await open(), await open(), await open(), await open()];
  const names: [UdpClient, string][] = [
    [ipc, "IPC1"],
    [ie, "M1.IE"],
    [cb, "M1.CB"],
    [tc, "M1.TC"],
    [rc, "M1.RC"],
  ];
  for (const [c, name] of names) expect(await c.request(`${name}>IS PING\r`, first.port)).toBe(`IS>${name} PONG\r`);

  // Ten filter moves, each with progress.
  const filter = async (port: number, agent: UdpClient, n: number) => {
    ipc.send(`IPC1>M1.IE filter ${n}\r`, port);
    await expectNext(agent, /^IPC1>M1\.IE filter/);
    agent.send(`M1.IE>IPC1 STATUS: filter moving to ${n}\r`, port);
    agent.send(`M1.IE>IPC1 DONE: filter FILTPOS=${n}\r`, port);
    await expectNext(ipc, /^M1\.IE>IPC1 DONE: filter/);
  };
  for (let n = 0; n < 10; n++) await filter(first.port, ie, n);
  // A slow exposure, two errors, an unknown destination, a malformed datagram, a RESTART.
  ipc.send("IPC1>M1.CB expose 0.3\r", first.port);
  await expectNext(cb, /^IPC1>M1\.CB expose/);
  cb.send("M1.CB>IPC1 STATUS: expose integrating\r", first.port);
  // The exposure takes time: the server, a process of its own, measures it on its own clock, and the
  // test asserts at least 300 ms (never at most), so a loaded machine can only make it longer.
  await Bun.sleep(300);
  cb.send("M1.CB>IPC1 DONE: expose\r", first.port);
  await expectNext(ipc, /^M1\.CB>IPC1 DONE: expose/);
  for (let i = 0; i < 2; i++) {
    ipc.send("IPC1>M1.TC temp\r", first.port);
    await expectNext(tc, /^IPC1>M1\.TC temp/);
    tc.send("M1.TC>IPC1 ERROR: temp sensor offline\r", first.port);
    await expectNext(ipc, /^M1\.TC>IPC1 ERROR/);
  }
  expect(await ipc.request("IPC1>NOBODY hello\r", first.port)).toStartWith("IS>IPC1 ERROR: No Route to Destination Host NOBODY");
  ipc.send("garbage without a header\r", first.port);
  ipc.send("IPC1>IS restart\r", first.port);
  await expectNext(ipc, /^IS>IPC1 DONE: RESTART/);

  // The server is stopped and started again on the same config and log; the host table comes back from its state file.
  expect(await first.stop()).toBe(0);
  second = await startServer({ configText: readFileSync(config, "latin1") });
  const port = second.port;
  // M1.IE restarted on a new port meanwhile: its heartbeat moves it.
  ie.close();
  const ie2 = await open();
  ie2.send("M1.IE>IS\r", port);
  await waitUntil("the move in the log", () => logText().includes(`Client M1.IE moved to 127.0.0.1:${ie2.port}`));
  for (let n = 0; n < 5; n++) await filter(port, ie2, n);
  // A line break inside a datagram: refused whole (STATS controlBytes), not routed.
  ipc.send("IPC1>M1.IE forged\nIS>M1.IE EXEC: QUIT\r", port);

  // A flood from another host (127.0.0.2), until the server has limited it and let it go again.
  const flood = await floodUntilLimited(second, { text: "FL>NOBODY junk" });
  await flood.stop();
  const calmed = await second.waitFor(/flood: 127\.0\.0\.2 calmed down; (\d+) datagrams from it were dropped/, 10_000);
  floodDropped = Number(calmed[1]);
  // The kernel's drops are said once the overload is over (3 s without new ones): all of it in the log before STATS is taken.
  const said = () => second.lines.reduce((sum, l) => sum + Number(/overload: the kernel dropped (\d+) datagrams/.exec(l)?.[1] ?? 0), 0);
  await waitUntil(
    "every overload said: STATS kernelDropped equal to the overload lines' sum",
    async () => {
      const dropped = Number(fields(await ipc.request("IPC1>IS STATS\r", port)).kernelDropped);
      return dropped > 0 && dropped === said();
    },
    { timeoutMs: 15_000 },
  );

  // One command never answered; one answered only after CommandTimeout.
  ipc.send("IPC1>M1.RC home\r", port);
  await expectNext(rc, /^IPC1>M1\.RC home/);
  ipc.send("IPC1>M1.IE filter 9\r", port);
  await expectNext(ie2, /^IPC1>M1\.IE filter 9/);
  // Past CommandTimeout (1 s) on the server's own clock before the answer: a lower bound, as above.
  await Bun.sleep(1300);
  ie2.send("M1.IE>IPC1 DONE: filter FILTPOS=9\r", port);
  await expectNext(ipc, /^M1\.IE>IPC1 DONE: filter FILTPOS=9/);

  // A one-shot client (an isisCmd run) registers and is gone; a request to it comes back unreachable.
  const once = await UdpClient.open();
  expect(await once.request("ONCE>IS PING\r", port)).toBe("IS>ONCE PONG\r");
  once.close();
  lostAfter = Date.now();
  ipc.send("IPC1>ONCE filter 1\r", port);
  expect(await expectNext(ipc, /^IS>IPC1 ERROR: Cannot route to ONCE/)).toMatch(/ - 127\.0\.0\.1:\d+ is unreachable \(port unreachable\)\r$/);
  lostBefore = Date.now();

  // What the server itself says at the end, then the log's account of it; first a message in the server's own name (a loop, cut).
  const eng = await open();
  eng.send("IS>AL PING\r", port);
  inflight = await eng.request("ENG>IS INFLIGHT\r", port);
  const statsReply = await eng.request("ENG>IS STATS\r", port);
  stats = fields(statsReply);
  await waitUntil("the STATS reply in the log", () => logText().includes("IS>ENG DONE: STATS"));
  const run = isis(["log", "summary", "--json", "-f", config]);
  expect(run.err).toBe("");
  expect(run.code).toBe(0);
  summary = JSON.parse(run.out) as Summary;
  if (process.env.ISIS_LOG_SHOW) console.log(isis(["log", "summary", "-f", config]).out);
}, 60_000);

afterAll(async () => {
  for (const c of agents) c.close();
  await second?.stop();
  await first?.stop();
  for (const s of [first, second]) if (s) rmSync(s.dir, { recursive: true, force: true });
});

describe("isis log summary of a scripted night", () => {
  // A flood can outrun the runtime log's writer (its queue holds 8 MiB): the
  // server then writes how many entries it lost, and the summary must say the
  // run is not whole. Otherwise it must equal what the server counted.
  const lost = () => summary.gaps.logLost;

  test("every line read; two runs, the first stopped cleanly, a RESTART in between; a loss said, never silent", () => {
    expect(summary.lines).toMatchObject({ unknown: 0, garbage: 0, skipped: 0 });
    expect(summary.server).toMatchObject({ starts: 2, stops: 1, uncleanStops: 0, restarts: 1, restartsRefused: 0 });
    expect(summary.server.events.filter((e) => e.event !== "log-lost").map((e) => `${e.event} ${e.detail}`)).toEqual([
      expect.stringMatching(/^started as IS on port \d+, isis /),
      "restart-requested by IPC1",
      expect.stringMatching(/^restarted configuration reloaded from /),
      "stopped SIGTERM",
      expect.stringMatching(/^started as IS on port \d+, isis /),
    ]);
    expect(summary.server.events.some((e) => e.event === "log-lost")).toBe(lost() > 0);
    expect(summary.runs.map((r) => `${r.end} ${r.complete}`)).toEqual(["stopped true", `running ${lost() === 0}`]);
    expect(summary.gaps).toMatchObject({ logOff: 0, clockStepsBack: 0 });
  });

  test("the last run's counters are STATS's (short by no more than the log said it lost), and what is still open is INFLIGHT's", () => {
    const c = { ...summary.runs.at(-1)?.counters } as Record<string, number>;
    // The log also has the reply to STATS itself.
    const fromStats = (name: string) => Number(stats[name]) + (name === "replied" ? 1 : 0);
    const names = [
      "received",
      "routed",
      "broadcast",
      "replied",
      "malformed",
      "oversized",
      "controlBytes",
      "unknownDestination",
      "dropped",
      "notSent",
      "unreachable",
      "refused",
      "loops",
      "hostsEvicted",
      "flooded",
      "kernelDropped",
      "completed",
      "unmatched",
      "evicted",
    ];
    // Each of these happened in the last run, so the comparison below can fail.
    for (const name of ["controlBytes", "flooded", "kernelDropped", "unreachable", "loops"])
      expect({ name, value: Number(stats[name]) > 0 }).toEqual({ name, value: true });
    if (lost() === 0) {
      for (const name of [...names, "inFlight", "late"]) expect({ name, value: c[name] }).toEqual({ name, value: fromStats(name) });
    } else {
      console.log(`the runtime log lost ${lost()} entries during the flood: counters compared as at most STATS's`);
      for (const name of names) {
        expect(c[name]).toBeLessThanOrEqual(fromStats(name));
        expect(fromStats(name) - (c[name] as number)).toBeLessThanOrEqual(lost());
      }
    }
    const open = fields(inflight);
    expect(summary.inFlightAtEnd).toMatchObject({ open: Number(open.numOpen), late: Number(open.numLate) });
    expect(summary.inFlightAtEnd.commands.map((x) => `${x.requester}>${x.target},${x.word}`)).toEqual(
      Object.entries(open)
        .filter(([k]) => /^f\d+$/.test(k))
        .map(([, v]) => v.split(",").slice(0, 2).join(",")),
    );
  });

  test("per command word, the last run's latencies are STATS's", () => {
    const fromStats = Object.entries(stats)
      .filter(([k]) => /^cmd\d+$/.test(k))
      .map(([, v]) => {
        const [word = "", ...rest] = v.split(",");
        const f = Object.fromEntries(rest.map((p) => p.split(":") as [string, string]));
        return { word, count: Number(f.n), p50: Number(f.p50), p90: Number(f.p90), p99: Number(f.p99), max: Number(f.max) };
      });
    expect(summary.runs.at(-1)?.latency).toEqual(fromStats);
  });

  test("the commands are what the agents were sent and how they answered", () => {
    const row = (dest: string, word: string) => summary.commands.find((c) => c.dest === dest && c.word === word);
    expect(row("M1.IE", "FILTER")).toMatchObject({ count: 16, answered: 16, errors: 0, late: 1, unanswered: 0, open: 0 });
    expect(row("M1.CB", "EXPOSE")).toMatchObject({ count: 1, answered: 1, errors: 0, unanswered: 0 });
    expect(row("M1.CB", "EXPOSE")?.max).toBeGreaterThanOrEqual(300);
    expect(row("M1.TC", "TEMP")).toMatchObject({ count: 2, answered: 2, errors: 2 });
    expect(row("NOBODY", "HELLO")).toMatchObject({ count: 1, answered: 1, errors: 1 });
    expect(row("M1.RC", "HOME")).toMatchObject({ count: 1, answered: 0, unanswered: 1, open: 1, late: 1 });
    expect(row("IS", "RESTART")).toMatchObject({ count: 1, answered: 1, errors: 0 });
    expect(summary.errors.find((e) => e.from === "M1.TC")).toMatchObject({ text: "ERROR: temp sensor offline", count: 2 });
  });

  test("clients: the move, the silence of the one that stopped talking; the malformed datagram; the flood and what it cost", () => {
    const client = (name: string) => summary.clients.find((c) => c.name === name);
    expect(client("M1.IE")?.moves).toBe(1);
    expect(client("M1.TC")?.silences.at(-1)?.to).toBeNull();
    expect(client("IPC1")?.silences.filter((s) => s.to === null)).toEqual([]);
    // The datagram without a header, and the one with a line break inside (STATS controlBytes).
    expect(summary.input.malformed).toBe(2);
    expect(summary.input.flood.senders).toHaveLength(1);
    expect(summary.input.flood).toMatchObject({ episodes: 1, dropped: floodDropped });
    expect(summary.input.flood.senders[0]?.limitedAtEnd).toBe(false);
    expect(summary.traffic.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  test("the one-shot client: when it became unreachable (still so at the end), what was lost to it, the loop cut", () => {
    const once = summary.clients.find((c) => c.name === "ONCE");
    expect(once?.unreachable).toHaveLength(1);
    const spell = once?.unreachable[0];
    expect(spell).toMatchObject({ to: null, ended: null, reason: "port unreachable" });
    const from = Date.parse(spell?.from ?? "");
    expect(from).toBeGreaterThanOrEqual(lostAfter - 1);
    expect(from).toBeLessThanOrEqual(lostBefore + 1);
    expect(summary.losses.destinations.find((d) => d.dest === "ONCE")).toMatchObject({ unreachable: expect.any(Number), port: 0 });
    if (lost() === 0) expect(summary.losses.total).toBe(Number(stats.dropped));
    expect(summary.loops).toMatchObject({ total: 1, kinds: { "own-name": 1 } });
    // The request to it was answered, by the server, with an error.
    expect(summary.commands.find((c) => c.dest === "ONCE" && c.word === "FILTER")).toMatchObject({ count: 1, answered: 1, errors: 1, unanswered: 0 });
    const { out } = isis(["log", "summary", "-f", config]);
    expect(out).toContain(`unreachable since ${spell?.from.slice(11, 19)}`);
    expect(out).toMatch(/\nNot delivered/);
    expect(out).toMatch(/\n {2}ONCE +127\.0\.0\.1:\d+ +\d+ /);
  });

  test("the report for a person is plain text when not on a terminal, with every section", () => {
    const { code, out } = isis(["log", "summary", "-f", config]);
    expect(code).toBe(0);
    expect(out).not.toContain("\x1b");
    for (const heading of [
      "Server",
      "Clients",
      "Commands",
      "Errors",
      "Input refused or dropped",
      "Not delivered",
      "Traffic",
      "In flight at the end",
      "Counters of the last run",
    ]) {
      expect(out).toContain(`\n${heading}`);
    }
    expect(out).toMatch(/M1\.TC\s+TEMP\s+2\s+2 /);
  });
});

describe("isis log grep", () => {
  test("by node and type, in the order written", () => {
    const { code, out } = isis(["log", "grep", "-f", config, "--node", "M1.TC", "--type", "error"]);
    expect(code).toBe(0);
    expect(
      out
        .trim()
        .split("\n")
        .map((l) => l.slice(27)),
    ).toEqual(["M1.TC>IPC1 ERROR: temp sensor offline", "M1.TC>IPC1 ERROR: temp sensor offline"]);
    const server = isis(["log", "grep", "-f", config, "--type", "server"])
      .out.trim()
      .split("\n")
      .map((l) => l.slice(27).split(" ").slice(0, 2).join(" "));
    expect(server).toEqual(["Server started", "Server restarted:", "Server shutting", "Server started"]);
    const stamps = isis(["log", "grep", "-f", config])
      .out.trim()
      .split("\n")
      .filter((l) => /^\d{4}-/.test(l))
      .map((l) => l.slice(0, 26));
    expect(stamps).toEqual([...stamps].sort());
  });

  test("a client's loss and unreachable lines by its name and their kinds", () => {
    const { code, out } = isis(["log", "grep", "-f", config, "--node", "ONCE", "--type", "client,loss", "--json"]);
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 2).map((l) => `${l.kind} ${l.event}`)).toEqual(["client added", "client unreachable"]);
    expect(lines.slice(2).every((l) => l.kind === "loss" && l.event === "unreachable" && l.fields.names === "ONCE")).toBe(true);
    expect(lines.find((l) => l.fields.text?.startsWith("'IPC1>ONCE filter 1"))).toBeDefined();
  });

  test("--json gives one object per line; a prefix matches many nodes", () => {
    const lines = isis(["log", "grep", "-f", config, "--node", "M1.R*", "--json"])
      .out.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.kind} ${l.src ?? l.fields?.name}>${l.dest ?? ""}`)).toEqual([
      "ping M1.RC>IS",
      "client M1.RC>",
      "pong IS>M1.RC",
      "req IPC1>M1.RC",
    ]);
    expect(lines[3]).toMatchObject({ src: "IPC1", dest: "M1.RC", body: "home", word: "HOME", text: "IPC1>M1.RC home" });
  });

  test("--follow prints what is written from now on, and ends cleanly on SIGINT", async () => {
    const tail = Bun.spawn([ISIS_BIN, "log", "grep", "-f", config, "--follow", "--node", "LATE"], { stdout: "pipe", stderr: "pipe" });
    const reader = tail.stdout.getReader();
    const late = await UdpClient.open();
    agents.push(late);
    let out = "";
    const deadline = Date.now() + 5000;
    // Until the follower has read the file's end, a message may come before it: send until one is seen,
    // again every 300 ms (a resend, not a wait asserted on), until the deadline.
    while (!out.includes("LATE>IS PING")) {
      if (Date.now() > deadline) throw new Error(`--follow printed nothing: ${out}`);
      late.send("LATE>IS PING\r", second.port);
      const chunk = await Promise.race([reader.read(), Bun.sleep(300).then(() => undefined)]);
      if (chunk && !chunk.done) out += new TextDecoder().decode(chunk.value);
    }
    expect(out).toMatch(/(^|\n)\d{4}-\d\d-\d\dT[\d:.]{15} LATE>IS PING\n/);
    tail.kill("SIGINT");
    expect(await tail.exited).toBe(0);
  });

  test("output to a reader that goes away (| head) ends it quietly", () => {
    // The night's log is far more than a pipe holds: isis is still writing when head has gone.
    expect(statSync(`${logRoot}.${new Date().toISOString().slice(0, 10).replaceAll("-", "")}.log`).size).toBeGreaterThan(256 * 1024);
    const p = Bun.spawnSync(["bash", "-c", 'set -o pipefail; "$0" log grep -f "$1" | head -1 >/dev/null', ISIS_BIN, config], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect({ code: p.exitCode, stderr: p.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  });

  test("bad use is one line and a non-zero exit; a missing log says where it looked", () => {
    expect(isis(["log"]).code).toBe(1);
    const cases: [string[], number, RegExp][] = [
      [["log", "bogus"], 1, /unknown action 'bogus'/],
      [["log", "grep", "-f", config, "--type", "req,nope"], 1, /unknown type 'nope'/],
      [["log", "summary", "-f", config, "--night", "2025-13-01"], 1, /bad night '2025-13-01': no such date/],
      [["log", "summary", "-f", config, "--since", "tomorrow"], 1, /bad time 'tomorrow'/],
      [["log", "summary", "-f", config, "--night", "2001-01-01"], 2, new RegExp(`no runtime log ${logRoot.replaceAll(".", "\\.")}\\.20010101\\.log`)],
      [["log", "summary", "-f", join(first.dir, "missing.ini")], 1, /missing\.ini/],
      [["log", "grep", "-f", config, "--node", "A", "--node", "B"], 1, /give --node once/],
    ];
    for (const [args, code, message] of cases) {
      const r = isis(args);
      expect({ args, code: r.code, lines: r.err.trim().split("\n").length }).toEqual({ args, code, lines: 1 });
      expect(r.err).toMatch(message);
    }
  });
});
