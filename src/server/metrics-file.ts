// MetricsFile: the server's figures in Prometheus text format, for
// node_exporter's textfile collector and Telegraf (the sites' Grafana and
// InfluxDB), replaced atomically every 10 s by a timer: never written from
// the message path, at most one write at a time. A file that cannot be
// written is reported once (and its recovery once); routing never notices.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { describeFsError } from "../shared/read-file.ts";
import { writeFileReplacing } from "../shared/replace-file.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";
import type { Journal } from "./journal.ts";
import { type MetricsFacts, metricsText } from "./metrics-text.ts";

const METRICS_INTERVAL_MS = 10_000;

export interface MetricsFileOptions {
  path: string;
  /** The figures now; `up` false for the last file, at shutdown. */
  facts: (up: boolean) => MetricsFacts;
  journal: Journal;
  intervalMs?: number;
  /** Default: the event loop's timers. */
  scheduler?: Scheduler;
}

export class MetricsFile {
  private path: string;
  private timer: Timer | undefined;
  private readonly scheduler: Scheduler;
  private writing: Promise<void> | undefined;
  private failing = false;
  private stopped = false;
  private intervalMs: number;

  constructor(private readonly options: MetricsFileOptions) {
    this.path = options.path;
    this.intervalMs = options.intervalMs ?? METRICS_INTERVAL_MS;
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  /** Write now, and every interval from now on. */
  start(): void {
    void this.writeNow();
    this.arm();
  }

  /** MetricsFile changed on RESTART: the next write goes there (the old file is left as it was), at the new pace. */
  retarget(path: string, intervalMs: number): void {
    this.path = path;
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    this.timer?.cancel();
    this.arm();
  }

  /** Replace the file with the figures of this moment; waits for a write in flight first. */
  async writeNow(up = true): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    this.writing = this.write(up).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  /** No more periodic writes; the last file says the server is down (isis_up 0) with its final counters. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.writeNow(false);
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.scheduler.every(this.intervalMs, () => {
      // A write still going (a hung disk) is not queued behind: the next tick tries again.
      if (this.writing === undefined) void this.writeNow();
    });
  }

  private async write(up: boolean): Promise<void> {
    const path = this.path;
    try {
      const text = metricsText(this.options.facts(up));
      await mkdir(dirname(path), { recursive: true });
      // No fsync: the file is rewritten every few seconds, and its readers want the latest, not the durable.
      await writeFileReplacing(path, text, 0o644, false);
      if (this.failing) {
        this.failing = false;
        this.options.journal("notice", `metrics file ${path} is writable again`);
      }
    } catch (error) {
      if (this.failing) return;
      this.failing = true;
      this.options.journal("error", `cannot write metrics file ${path}: ${describeFsError(error)}; routing continues`);
    }
  }
}
