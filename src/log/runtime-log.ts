// The runtime log: entries are queued in memory and written by one async
// writer, so the message path never waits for the disk. A failing disk is
// reported once and costs only log entries, never routing.
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { describeFsError } from "../config/server-config.ts";
import { logBanner, logDateKey, logFileName } from "./log-name.ts";
import { formatIsoMicros, wallClock } from "./timestamp.ts";

export interface RuntimeLogOptions {
  root: string;
  utc: boolean;
  serverId: string;
  enabled: boolean;
  clock?: () => number;
  /** Called once when writing starts failing, and once when it works again. */
  onProblem?: (message: string) => void;
  /** Bytes queued before entries are dropped (a hung disk must not eat memory). */
  maxQueuedBytes?: number;
  /** How long entries may wait before a write is started. */
  flushDelayMs?: number;
}

export class RuntimeLog {
  private root: string;
  private utc: boolean;
  private serverId: string;
  private enabledFlag: boolean;
  private readonly clock: () => number;
  private readonly onProblem: (message: string) => void;
  private readonly maxQueuedBytes: number;
  private readonly flushDelayMs: number;

  /** Entries waiting for the file named by pendingPath. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingPath = "";
  /** Finished batches for earlier files (after a rollover), written in order. */
  private batches: Array<{ path: string; text: string }> = [];
  private currentKey = "";
  private lastSecond = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private handlePath = "";
  private failing = false;
  private reopen = true;
  /** Entries lost to a full queue or a failed write since start. */
  dropped = 0;

  constructor(options: RuntimeLogOptions) {
    this.root = options.root;
    this.utc = options.utc;
    this.serverId = options.serverId;
    this.enabledFlag = options.enabled;
    this.clock = options.clock ?? wallClock;
    this.onProblem = options.onProblem ?? (() => {});
    this.maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.flushDelayMs = options.flushDelayMs ?? 20;
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** The file the next entry goes to. */
  get path(): string {
    return logFileName(this.root, logDateKey(this.clock(), this.utc));
  }

  /** Turn logging on or off (+LOG/-LOG, NoLog). Turning it on starts with a banner. */
  setEnabled(on: boolean): void {
    if (on && !this.enabledFlag) this.reopen = true;
    this.enabledFlag = on;
  }

  /** Follow a reloaded config; a new root or convention starts a new file with a banner. */
  reconfigure(root: string, utc: boolean, serverId: string): void {
    if (root === this.root && utc === this.utc && serverId === this.serverId) return;
    this.root = root;
    this.utc = utc;
    this.serverId = serverId;
    this.lastSecond = -1;
    this.reopen = true;
  }

  /** Add one entry, timestamped now. Never blocks, never throws. */
  write(text: string): void {
    if (!this.enabledFlag) return;
    const now = this.clock();
    const second = Math.floor(now / 1000);
    // The date can only change when the second does: check once a second.
    if (second !== this.lastSecond) {
      this.lastSecond = second;
      const key = logDateKey(now, this.utc);
      if (key !== this.currentKey || this.pendingPath === "") this.switchFile(key);
    }
    if (this.reopen) {
      this.reopen = false;
      this.append(logBanner(this.serverId, formatIsoMicros(now)));
    }
    this.append(`${formatIsoMicros(now)} ${text}\n`);
  }

  /** Write everything queued and close the file (shutdown). */
  async close(): Promise<void> {
    await this.flush();
    const handle = this.handle;
    this.handle = undefined;
    this.handlePath = "";
    await handle?.close().catch(() => {});
  }

  /** Write everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing || this.pending.length > 0 || this.batches.length > 0) {
      if (!this.writing) this.writing = this.drain();
      await this.writing;
    }
  }

  private switchFile(key: string): void {
    this.sealPending();
    this.currentKey = key;
    this.pendingPath = logFileName(this.root, key);
    if (this.handlePath !== this.pendingPath) this.reopen = true;
  }

  private sealPending(): void {
    if (this.pending.length > 0) this.batches.push({ path: this.pendingPath, text: this.pending.join("") });
    this.pending = [];
    this.pendingBytes = 0;
  }

  private append(line: string): void {
    if (this.pendingBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      this.problem(`runtime log queue full (${this.maxQueuedBytes} bytes): entries are being dropped`);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.timer && !this.writing) this.timer = setTimeout(() => this.kick(), this.flushDelayMs);
  }

  private kick(): void {
    this.timer = undefined;
    if (!this.writing) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.sealPending();
        const batch = this.batches.shift();
        if (!batch) break;
        await this.writeBatch(batch.path, batch.text);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeBatch(path: string, text: string): Promise<void> {
    try {
      if (this.handlePath !== path || !this.handle) {
        await this.handle?.close().catch(() => {});
        this.handle = undefined;
        this.handlePath = "";
        await mkdir(dirname(path), { recursive: true });
        // 0644: the old server made its log world-writable.
        this.handle = await open(path, "a", 0o644);
        this.handlePath = path;
      }
      await this.handle.write(text);
      if (this.failing) {
        this.failing = false;
        this.onProblem(`runtime log ${path} is writable again (${this.dropped} entries lost so far)`);
      }
    } catch (error) {
      this.dropped += countLines(text);
      await this.handle?.close().catch(() => {});
      this.handle = undefined;
      this.handlePath = "";
      // The next file we manage to open starts with a banner again.
      this.reopen = true;
      this.problem(`cannot write runtime log ${path}: ${describeFsError(error)}; routing continues without it`);
    }
  }

  private problem(message: string): void {
    if (this.failing) return;
    this.failing = true;
    this.onProblem(message);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
