// One server process as the log shows it: from its start line (or the start
// of the range) to its shutdown line, the next start, or the end. Its
// counters and in-flight table are replayed as the server kept them.
import { DEFAULT_IN_FLIGHT_LIMIT, InFlight, type InFlightKey } from "../core/in-flight.ts";
import { LatencyBook } from "../core/latency.ts";
import { round3 } from "./command-book.ts";
import { stampOf } from "./facts.ts";
import type { RunCounters, RunSummary } from "./summary.ts";

export class Run {
  readonly counters: RunCounters = {
    received: 0,
    routed: 0,
    broadcast: 0,
    replied: 0,
    malformed: 0,
    oversized: 0,
    controlBytes: 0,
    unknownDestination: 0,
    dropped: 0,
    notSent: 0,
    unreachable: 0,
    refused: 0,
    loops: 0,
    hostsEvicted: 0,
    flooded: 0,
    kernelDropped: 0,
    completed: 0,
    unmatched: 0,
    evicted: 0,
    inFlight: 0,
    late: 0,
  };
  readonly latency = new LatencyBook();
  /** Commands routed between clients, paired as the server pairs them. */
  readonly routes: InFlight;
  /** Commands to the server itself. */
  readonly server: InFlight;
  entries = 0;
  endedAt: number | undefined;
  end: RunSummary["end"] = "running";
  stopReason: string | null = null;
  complete: boolean;

  constructor(
    readonly startedAt: number | undefined,
    readonly version: string | null,
    readonly port: string | null,
    keys: InFlightKey,
  ) {
    this.complete = startedAt !== undefined;
    this.routes = new InFlight(DEFAULT_IN_FLIGHT_LIMIT, keys);
    this.server = new InFlight(DEFAULT_IN_FLIGHT_LIMIT, keys);
  }
}

export function runSummary(run: Run): RunSummary {
  return {
    startedAt: run.startedAt === undefined ? null : stampOf(run.startedAt),
    endedAt: run.endedAt === undefined ? null : stampOf(run.endedAt),
    end: run.end,
    stopReason: run.stopReason,
    version: run.version,
    port: run.port,
    complete: run.complete,
    counters: { ...run.counters },
    latency: run.latency
      .summaries()
      .map((s) => ({ word: s.word, count: s.count, p50: round3(s.p50), p90: round3(s.p90), p99: round3(s.p99), max: round3(s.max) })),
  };
}
