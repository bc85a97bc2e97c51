// isis check's reading of the server's answers: the plugin's state and line.
import { describe, expect, test } from "bun:test";
import { parseCheckArgs } from "../../src/check/args.ts";
import { type Asked, type CheckInput, CRITICAL, OK, uptimeText, verdict, WARNING } from "../../src/check/verdict.ts";

const answer = (body: string): Asked => ({ kind: "answer", body });
const STATUS = answer(
  "DONE: STATUS HostName=IS HostAddr=mods1:6600 rcFile=/home/dts/Config/isis.ini logFile=/home/Logs/ISIS/isis.20250915.log numClients=3 Concise +LOG +HANDSHAKE -CLI",
);
const stats = (extra = "") =>
  answer(
    `DONE: STATS uptime=11045.2 received=500 routed=300 broadcast=2 replied=100 malformed=1 oversized=0 unknownDestination=4 dropped=0 notSent=0 unreachable=0 refused=0 loops=0 hostsEvicted=0 udpIn=500 udpOut=420 serialIn=0 serialOut=0 inFlight=1 late=0 completed=90 unmatched=0 evicted=0 monitors=0 mirrored=0 mirrorDropped=0 logLost=0 logDown=0 ${extra}numCmds=0`,
  );
const LIVENESS = answer(
  "DONE: LIVENESS numClients=3 numStale=1 staleAfter=120 c0=M1.IE,udp:127.0.0.1:10700,idle:1.000,in:5,out:5,rtt:-,ok c1=M1.RC,udp:127.0.0.1:10701,idle:300.000,in:5,out:5,rtt:-,stale c2=CHK42,udp:127.0.0.1:40000,idle:0.001,in:1,out:1,rtt:-,ok",
);
const base: CheckInput = { server: "IS", where: "127.0.0.1:6600", self: "CHK42", ignore: [], status: STATUS, liveness: [LIVENESS], stats: stats() };
const healthy: CheckInput = { ...base, liveness: [answer(LIVENESS.kind === "answer" ? LIVENESS.body.replace("rtt:-,stale", "rtt:-,ok") : "")] };

describe("isis check's verdict", () => {
  test("all well: OK, the clients without ourselves, and perfdata a plugin graphs", () => {
    const v = verdict(healthy);
    expect(v.state).toBe(OK);
    expect(v.line).toStartWith(
      "ISIS OK - IS at mods1:6600: 2 clients, 0 stale, 0 late, up 3h 4m | clients=2;;;0;32 stale=0;0;;0 late=0;0;;0 inflight=1;;;0 uptime=11045.2s received=500c routed=300c",
    );
    expect(v.line).toEndWith("logLost=0c");
  });

  test("a stale client is a WARNING naming it, unless it is ignored", () => {
    const v = verdict(base);
    expect(v.state).toBe(WARNING);
    expect(v.line).toStartWith("ISIS WARNING - 1 stale (M1.RC) - IS at mods1:6600: 2 clients, 1 stale, 0 late");
    expect(verdict({ ...base, ignore: ["M1.*"] }).state).toBe(OK);
    expect(verdict({ ...base, ignore: ["M1.R"] }).state).toBe(WARNING);
  });

  test("late commands, the log off and the log not written are WARNINGs, all named", () => {
    const status = answer(STATUS.kind === "answer" ? STATUS.body.replace("+LOG", "-LOG") : "");
    const v = verdict({
      ...healthy,
      status,
      stats: answer((stats() as { body: string }).body.replace("late=0", "late=2").replace("logLost=0 logDown=0", "logLost=17 logDown=1")),
    });
    expect(v.state).toBe(WARNING);
    expect(v.line).toStartWith("ISIS WARNING - runtime log off (-LOG), runtime log not written (17 entries lost), 2 late commands - IS at mods1:6600");
    expect(v.line).toContain("late=2;0;;0");
  });

  test("the log not written says why from STATUS (LogDown=) and what it cost from STATS", () => {
    const down = (reason: string, lost: number) =>
      verdict({
        ...healthy,
        status: answer(STATUS.kind === "answer" ? `${STATUS.body} LogDown=${reason}` : ""),
        stats: answer((stats() as { body: string }).body.replace("logLost=0 logDown=0", `logLost=${lost} logDown=1`)),
      });
    expect(down("no_answer", 3).line).toStartWith("ISIS WARNING - runtime log not written (no_answer, 3 entries lost) - IS at mods1:6600");
    expect(down("queue_full", 900).state).toBe(WARNING);
    expect(down("queue_full", 900).line).toContain("(queue_full, 900 entries lost)");
  });

  test("no answer to STATUS is CRITICAL", () => {
    const v = verdict({ ...base, status: { kind: "silent", why: "nothing within 5 s" }, liveness: undefined, stats: undefined });
    expect(v).toEqual({ state: CRITICAL, line: "ISIS CRITICAL - no answer from IS at 127.0.0.1:6600: nothing within 5 s" });
  });

  test("an older server that knows no LIVENESS or STATS: OK on STATUS alone, and the line says what was not checked", () => {
    const refused = answer("ERROR: Unrecognized ISIS command - LIVENESS");
    const v = verdict({ ...base, liveness: [refused], stats: answer("ERROR: Unrecognized ISIS command - STATS") });
    expect(v.state).toBe(OK);
    expect(v.line).toBe("ISIS OK - IS at mods1:6600: 2 clients, LIVENESS and STATS not answered (an older server?): not checked | clients=2;;;0;32");
  });

  test("a hostile answer cannot end the line early or forge a second one", () => {
    const v = verdict({ ...base, status: answer("ERROR: x | clients=99\nISIS OK - fine") });
    expect(v.line).toBe("ISIS CRITICAL - IS at 127.0.0.1:6600 answered STATUS with 'ERROR: x / clients=99\\x0aISIS OK - fine'");
  });

  test("many stale clients: five names and a count", () => {
    const items = Array.from({ length: 8 }, (_, i) => `c${i}=A${i},udp:127.0.0.1:${1000 + i},idle:300.000,in:1,out:1,rtt:-,stale`).join(" ");
    const v = verdict({
      ...base,
      liveness: [
        answer(`DONE: LIVENESS numClients=8 numStale=8 staleAfter=120 next=5 ${items.split(" ").slice(0, 5).join(" ")}`),
        answer(`DONE: LIVENESS from=5 ${items.split(" ").slice(5).join(" ")}`),
      ],
    });
    expect(v.line).toStartWith("ISIS WARNING - 8 stale (A0 A1 A2 A3 A4 and 3 more) - IS at mods1:6600: 8 clients, 8 stale");
  });

  test("uptime reads as a person would say it", () => {
    expect([uptimeText(40.9), uptimeText(723), uptimeText(7500), uptimeText(3 * 86400 + 4 * 3600 + 5)]).toEqual(["40s", "12m 3s", "2h 5m", "3d 4h"]);
  });
});

describe("isis check's command line", () => {
  test("the server is chosen as for isis cmd; the timeout and the ignore list are checked", () => {
    expect(parseCheckArgs(["--host", "127.0.0.1:16600", "--server", "IX", "-t", "2.5", "--ignore", "isiscmd,m1.*"])).toEqual({
      action: "run",
      options: { host: { host: "127.0.0.1", port: 16600 }, server: "IX", timeoutSeconds: 2.5, ignore: ["ISISCMD", "M1.*"] },
    });
    expect(parseCheckArgs(["-m", "2"])).toEqual({ action: "run", options: { instrument: "mods2", timeoutSeconds: 5, ignore: [] } });
    expect(parseCheckArgs(["-t", "0"])).toEqual({ action: "error", message: "invalid --timeout '0': seconds, more than 0 and at most 3600" });
    expect(parseCheckArgs(["--ignore", "a b"])).toMatchObject({ action: "error" });
    expect(parseCheckArgs(["extra"])).toEqual({ action: "error", message: "unexpected argument 'extra'" });
    expect(parseCheckArgs(["-h"])).toEqual({ action: "help" });
  });
});
