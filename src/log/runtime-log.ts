// The runtime log: entries are encoded straight into reusable 64 KiB chunks
// and written by one async writer, so the message path never waits for the
// disk and makes no string per entry. A failing disk is reported once and
// costs only log entries, never routing; memory is bounded by the chunk pool.
// A file removed or replaced under it (rm, logrotate without copytruncate)
// is noticed and the path opened again: on verify() (SIGHUP, RESTART, +LOG,
// STATUS) and by the writer itself, at most once a minute, before a write
// (no timer runs while nothing is written).
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { escapeControls, hasControlByte } from "../protocol/escape.ts";
import { writeLatin1 } from "../protocol/latin1.ts";
import { LOG_LOST, LOG_REOPENED } from "../protocol/log-grammar.ts";
import type { Priority } from "../shared/priority.ts";
import { describeFsError } from "../shared/read-file.ts";
import { formatIsoMicros, microsWithinSecond, wallClock } from "../shared/timestamp.ts";
import { fileGoneBecause } from "./file-identity.ts";
import { logBanner, logDateKey, logFileName } from "./log-name.ts";

/** Why the runtime log is not being written although it is on (see RuntimeLog.down). */
export type LogDown = "unwritable" | "no_answer" | "queue_full";

export interface RuntimeLogOptions {
  root: string;
  utc: boolean;
  serverId: string;
  enabled: boolean;
  clock?: () => number;
  /** Called once when writing starts failing, and once when it works again. */
  onProblem?: (priority: Priority, message: string) => void;
  /** Bytes queued before entries are dropped (a hung disk must not eat memory). */
  maxQueuedBytes?: number;
  /** How long entries may wait before a write is started. */
  flushDelayMs?: number;
}

const CHUNK_BYTES = 64 * 1024;
/** Written chunks kept for reuse (the steady state needs two or three). */
const SPARE_CHUNKS = 8;
/** The longest entry: a 2048-byte message plus timestamp and our own notes. */
const MAX_ENTRY_BYTES = 4096;
/** The writer checks that its file is still at its path at most this often. */
const VERIFY_EVERY_MS = 60_000;
/** A write or check pending longer than this makes the log "not being written" (STATUS). */
const STUCK_MS = 2000;

/** Bytes waiting to be appended to one file. */
interface Chunk {
  readonly bytes: Buffer;
  length: number;
  path: string;
  /** The earliest stamp in it (clock ms): a note put before it is stamped no later, so stamps never go back. */
  firstAt: number;
}

export class RuntimeLog {
  private root: string;
  private utc: boolean;
  private serverId: string;
  private enabledFlag: boolean;
  private readonly clock: () => number;
  private readonly onProblem: (priority: Priority, message: string) => void;
  private readonly maxChunks: number;
  private readonly flushDelayMs: number;

  /** The chunk entries are appended to; undefined until the first entry. */
  private current: Chunk | undefined;
  /** Full or sealed chunks, written in order. */
  private readonly sealed: Chunk[] = [];
  /** Written chunks, kept for reuse. */
  private readonly spare: Chunk[] = [];
  private chunkCount = 0;

  private currentPath = "";
  private lastSecond = -1;
  /** `2025-09-15T14:03:22` for lastSecond, so an entry's timestamp costs no string. */
  private readonly secondPrefix = new Uint8Array(19);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private handlePath = "";
  private failing = false;
  private queueFull = false;
  private reopen = true;
  /** When the writer last checked its file against its path (clock ms). */
  private verifiedAt = 0;
  private verifyDue = false;
  /** When the write or check in progress began (clock ms); undefined when none is. */
  private ioSince: number | undefined;
  private readonly verified: Array<() => void> = [];
  /** Why the file was opened again (removed, replaced): said at the top of the new one. */
  private reopenedBecause: string | undefined;
  /** Entries lost to a full queue or a failed write since start. */
  dropped = 0;
  /** `dropped` when the current trouble began: the log says how many it cost once it is over. */
  private droppedBefore = 0;

  constructor(options: RuntimeLogOptions) {
    this.root = options.root;
    this.utc = options.utc;
    this.serverId = options.serverId;
    this.enabledFlag = options.enabled;
    this.clock = options.clock ?? wallClock;
    this.onProblem = options.onProblem ?? (() => {});
    this.maxChunks = Math.max(2, Math.ceil((options.maxQueuedBytes ?? 8 * 1024 * 1024) / CHUNK_BYTES));
    this.flushDelayMs = options.flushDelayMs ?? 20;
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /**
   * Why entries are not being written now, or undefined while they are (or
   * logging is off): the last write failed (`unwritable`), a write or a
   * check the file system has not answered for 2 s (`no_answer`: a hung
   * mount), or entries are dropped for a full queue (`queue_full`: the disk
   * is slower than the traffic). STATUS's LogDown= and STATS's logDown both
   * read it.
   */
  get down(): LogDown | undefined {
    if (!this.enabledFlag) return undefined;
    if (this.failing) return "unwritable";
    if (this.ioSince !== undefined && this.clock() - this.ioSince > STUCK_MS) return "no_answer";
    if (this.queueFull) return "queue_full";
    return undefined;
  }

  /**
   * Check now that the open file is still the one at its path, and open the
   * path again if it was removed or replaced; resolves once checked (between
   * two writes, never under one).
   */
  verify(): Promise<void> {
    if (!this.enabledFlag) return Promise.resolve();
    this.verifyDue = true;
    const checked = new Promise<void>((resolve) => this.verified.push(resolve));
    this.writing ??= this.drain();
    return checked;
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

  /** Add one entry, timestamped `now` (default: the clock now). Never blocks, never throws. */
  write(text: string, now = this.clock()): void {
    if (!this.enabledFlag) return;
    const second = Math.floor(now / 1000);
    // The date (and so the file) can only change when the second does.
    if (second !== this.lastSecond) {
      this.lastSecond = second;
      const prefix = formatIsoMicros(second * 1000);
      for (let i = 0; i < 19; i++) this.secondPrefix[i] = prefix.charCodeAt(i);
      const path = logFileName(this.root, logDateKey(now, this.utc));
      if (path !== this.currentPath) {
        this.currentPath = path;
        this.sealCurrent();
        if (this.handlePath !== path) this.reopen = true;
      }
    }
    if (this.reopen) {
      this.reopen = false;
      this.appendRaw(logBanner(this.serverId, formatIsoMicros(now)));
    }
    const chunk = this.room(MAX_ENTRY_BYTES);
    if (!chunk) return;
    const bytes = chunk.bytes;
    let at = chunk.length;
    if (now < chunk.firstAt) chunk.firstAt = now;
    // Byte by byte: for these few bytes, cheaper than a call into native code.
    const prefix = this.secondPrefix;
    for (let i = 0; i < 19; i++) bytes[at++] = prefix[i] as number;
    bytes[at++] = 46; // "."
    let micros = microsWithinSecond(now, second);
    for (let i = at + 5; i >= at; i--) {
      bytes[i] = 48 + (micros % 10);
      micros = (micros / 10) | 0;
    }
    at += 6;
    bytes[at++] = 32; // " "
    // Entries are bounded (MAX_ENTRY_BYTES); anything longer is cut, not lost whole.
    const textAt = at;
    at += writeLatin1(bytes, bounded(text), at);
    // One entry, one line: control bytes from clients are written as \xNN.
    // Looked for in the bytes just written: cheaper than a test of the text, and almost never found.
    if (hasControlByte(bytes, textAt, at)) at = textAt + writeLatin1(bytes, bounded(escapeControls(text)), textAt);
    bytes[at++] = 10; // "\n"
    chunk.length = at;
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
    this.sealCurrent();
    while (this.writing || this.sealed.length > 0) {
      if (!this.writing) this.writing = this.drain();
      await this.writing;
      this.sealCurrent();
    }
    // Everything is written: a kick scheduled meanwhile would find nothing.
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Once trouble is over, the log itself says what it cost, so a reader knows its account has a gap. */
  private noteLost(reason: string): void {
    const lost = this.dropped - this.droppedBefore;
    this.droppedBefore = this.dropped;
    if (lost > 0) this.write(LOG_LOST.format({ count: lost, reason }));
  }

  private appendRaw(text: string): void {
    const chunk = this.room(text.length);
    if (!chunk) return;
    chunk.length += writeLatin1(chunk.bytes, text, chunk.length);
  }

  /** The current chunk if it has `bytes` free, else a fresh one; undefined when the pool is exhausted. */
  private room(bytes: number): Chunk | undefined {
    const current = this.current;
    if (current && current.length + bytes <= CHUNK_BYTES) return current;
    this.sealCurrent();
    const chunk = this.spare.pop() ?? (this.chunkCount < this.maxChunks ? this.newChunk() : undefined);
    if (!chunk) {
      if (!this.queueFull) {
        this.queueFull = true;
        if (!this.failing) this.droppedBefore = this.dropped;
        this.onProblem("error", `runtime log queue full (${this.maxChunks * CHUNK_BYTES} bytes): entries are being dropped`);
      }
      this.dropped++;
      return undefined;
    }
    chunk.length = 0;
    chunk.firstAt = Number.POSITIVE_INFINITY;
    chunk.path = this.currentPath;
    this.current = chunk;
    if (!this.timer && !this.writing) this.scheduleKick();
    return chunk;
  }

  /**
   * Keep a few written chunks for reuse; let the rest go, so a burst (a disk
   * that stalled for half a second) does not pin its peak memory forever.
   */
  private recycle(chunk: Chunk): void {
    if (this.spare.length < SPARE_CHUNKS) {
      chunk.length = 0;
      this.spare.push(chunk);
    } else {
      this.chunkCount--;
    }
  }

  private newChunk(): Chunk {
    this.chunkCount++;
    return { bytes: Buffer.allocUnsafe(CHUNK_BYTES), length: 0, path: "", firstAt: 0 };
  }

  private sealCurrent(): void {
    const chunk = this.current;
    if (!chunk) return;
    this.current = undefined;
    if (chunk.length > 0) this.sealed.push(chunk);
    else this.recycle(chunk);
  }

  private kick(): void {
    this.timer = undefined;
    this.sealCurrent();
    if (!this.writing) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.verifyDue || (this.handle && this.sealed.length > 0 && this.clock() - this.verifiedAt >= VERIFY_EVERY_MS)) {
          await this.verifyFile();
        }
        // Everything sealed for one file goes out in one writev: one trip to
        // the I/O thread per batch, however busy the message path is.
        const first = this.sealed[0];
        if (!first) break;
        let count = 1;
        while (count < this.sealed.length && this.sealed[count]?.path === first.path) count++;
        const batch = this.sealed.splice(0, count);
        this.ioSince = this.clock();
        await this.writeBatch(first.path, batch).finally(() => {
          this.ioSince = undefined;
        });
        for (const chunk of batch) this.recycle(chunk);
        if (this.queueFull && this.sealed.length === 0) {
          this.queueFull = false;
          this.onProblem("notice", `runtime log queue drained (${this.dropped} entries lost so far)`);
          this.noteLost("queue full, the disk too slow");
        }
      }
    } finally {
      this.writing = undefined;
      // A verify() asked for after the loop's last look.
      if (this.verifyDue) this.writing = this.drain();
      // Entries that arrived while we were writing wait for the next kick,
      // not a write of their own: under load that is one writev (and one
      // trip to the I/O thread) per flushDelayMs, not one per event-loop turn.
      if ((this.current?.length || this.sealed.length > 0) && !this.timer) this.scheduleKick();
    }
  }

  /** If the open file is no longer at its path, close it: the next batch opens the path again. */
  private async verifyFile(): Promise<void> {
    this.verifyDue = false;
    this.verifiedAt = this.clock();
    const handle = this.handle;
    this.ioSince = this.clock();
    const why = handle ? await fileGoneBecause(this.handlePath, handle) : undefined;
    this.ioSince = undefined;
    if (why !== undefined && handle !== undefined && this.handle === handle) {
      this.reopenedBecause = `${this.handlePath} ${why}`;
      this.handle = undefined;
      this.handlePath = "";
      await handle.close().catch(() => {});
    }
    for (const wake of this.verified.splice(0)) wake();
  }

  private scheduleKick(): void {
    this.timer = setTimeout(() => this.kick(), this.flushDelayMs);
  }

  private async writeBatch(path: string, batch: Chunk[]): Promise<void> {
    try {
      if (this.handlePath !== path || !this.handle) {
        await this.handle?.close().catch(() => {});
        this.handle = undefined;
        this.handlePath = "";
        await mkdir(dirname(path), { recursive: true });
        // 0644: the old server made its log world-writable.
        this.handle = await open(path, "a", 0o644);
        this.handlePath = path;
        this.verifiedAt = this.clock();
      }
      let views = batch.map((chunk) => chunk.bytes.subarray(0, chunk.length));
      const reopened = this.reopenedBecause;
      if (reopened !== undefined) {
        // The new file starts as any opened file does, and says why it was opened,
        // stamped no later than the entries after it.
        const now = Math.min(this.clock(), batch[0]?.firstAt ?? Number.POSITIVE_INFINITY);
        const note = `${formatIsoMicros(now)} ${LOG_REOPENED.format({ reason: reopened })}\n`;
        views = [Buffer.from(logBanner(this.serverId, formatIsoMicros(now)) + note, "latin1"), ...views];
        this.reopenedBecause = undefined;
      }
      let left = views.reduce((n, v) => n + v.length, 0);
      while (left > 0) {
        const { bytesWritten } = await this.handle.writev(views);
        left -= bytesWritten;
        views = skipBytes(views, bytesWritten);
      }
      if (this.failing) {
        this.failing = false;
        this.onProblem("notice", `runtime log ${path} is writable again (${this.dropped} entries lost so far)`);
        this.noteLost(`could not write ${path}`);
      }
    } catch (error) {
      if (!this.failing && !this.queueFull) this.droppedBefore = this.dropped;
      for (const chunk of batch) this.dropped += countLines(chunk.bytes, chunk.length);
      await this.handle?.close().catch(() => {});
      this.handle = undefined;
      this.handlePath = "";
      // The next file we manage to open starts with a banner again.
      this.reopen = true;
      if (!this.failing) {
        this.failing = true;
        this.onProblem("error", `cannot write runtime log ${path}: ${describeFsError(error)}; routing continues without it`);
      }
    }
  }
}

const bounded = (text: string): string => (text.length > MAX_ENTRY_BYTES - 40 ? text.slice(0, MAX_ENTRY_BYTES - 40) : text);

/** What is left of `views` after a short write of `n` bytes. */
function skipBytes(views: Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const v of views) {
    if (n >= v.length) {
      n -= v.length;
      continue;
    }
    rest.push(n > 0 ? v.subarray(n) : v);
    n = 0;
  }
  return rest;
}

function countLines(bytes: Buffer, length: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < length; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
