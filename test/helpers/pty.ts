// Real pseudo-terminals for tests: the slave path stands in for a serial
// device (/dev/ttyS0), the test plays the client on the master side.
// Self-contained bun:ffi over glibc, independent of the code under test.
//
// The master is read only while a test waits for data (polling every few
// ms), so a test that does not read leaves the slave's writes to pile up, as
// a client that stops reading would.
import { dlopen, FFIType, read } from "bun:ffi";
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { waitUntil } from "./wait.ts";

const { i32, u32, u64, ptr, i64_fast } = FFIType;

const lib = dlopen("libc.so.6", {
  posix_openpt: { args: [i32], returns: i32 },
  grantpt: { args: [i32], returns: i32 },
  unlockpt: { args: [i32], returns: i32 },
  ptsname_r: { args: [i32, ptr, u64], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64_fast },
  write: { args: [i32, ptr, u64], returns: i64_fast },
  close: { args: [i32], returns: i32 },
  tcgetattr: { args: [i32, ptr], returns: i32 },
  cfgetospeed: { args: [ptr], returns: u32 },
  cfgetispeed: { args: [ptr], returns: u32 },
  __errno_location: { args: [], returns: ptr },
}).symbols;

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const POLL_MS = 3;

function errno(): number {
  const at = lib.__errno_location();
  return typeof at === "number" ? read.i32(at, 0) : 0;
}

export interface Pty {
  readonly masterFd: number;
  /** /dev/pts/N: hand this to the code under test as its serial device. */
  readonly slavePath: string;
  /** Bytes as a client would send them (strings as latin1). */
  write(data: string | Uint8Array): void;
  /** The next line the slave side sent (`\r`, `\n` or `\r\n` ended, terminator stripped, empty lines skipped). */
  next(timeoutMs?: number): Promise<string>;
  /** Wait until `count` bytes (in all) arrived from the slave side; returns them as latin1, consumed. */
  readBytes(count: number, timeoutMs?: number): Promise<string>;
  /** Everything read so far and not consumed, without waiting. */
  peek(): string;
  /** Close the master: the slave then reads EIO, as when a USB adapter is pulled. */
  close(): void;
  readonly closed: boolean;
}

/** Open a pty pair; the master is non-blocking and close-on-exec (so children never hold it). */
export function openPty(): Pty {
  const masterFd = lib.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (masterFd < 0) throw new Error(`posix_openpt failed: errno ${errno()}`);
  const name = new Uint8Array(128);
  if (lib.grantpt(masterFd) !== 0 || lib.unlockpt(masterFd) !== 0 || lib.ptsname_r(masterFd, name, name.length) !== 0) {
    lib.close(masterFd);
    throw new Error(`cannot set up pty: errno ${errno()}`);
  }
  const slavePath = Buffer.from(name.subarray(0, name.indexOf(0))).toString();
  return new PtyPair(masterFd, slavePath);
}

class PtyPair implements Pty {
  closed = false;
  private received = "";
  private readonly chunk = Buffer.alloc(65536);

  constructor(
    readonly masterFd: number,
    readonly slavePath: string,
  ) {}

  write(data: string | Uint8Array): void {
    if (this.closed) throw new Error("pty closed");
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (bytes.length === 0) return;
    const written = Number(lib.write(this.masterFd, bytes, bytes.length));
    if (written !== bytes.length) throw new Error(`pty write: ${written} of ${bytes.length} bytes (errno ${errno()})`);
  }

  peek(): string {
    this.drainMaster();
    return this.received;
  }

  next(timeoutMs = 2000): Promise<string> {
    return this.waitUntil(timeoutMs, "a line", () => {
      const match = /^[\r\n]*([^\r\n]*)(\r\n|\r|\n)/.exec(this.received);
      if (!match) return undefined;
      this.received = this.received.slice(match[0].length);
      return match[1] as string;
    });
  }

  readBytes(count: number, timeoutMs = 2000): Promise<string> {
    return this.waitUntil(timeoutMs, `${count} bytes`, () => {
      if (this.received.length < count) return undefined;
      const bytes = this.received.slice(0, count);
      this.received = this.received.slice(count);
      return bytes;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    lib.close(this.masterFd);
  }

  private describeReceived(): string {
    const text = this.received;
    if (text.length <= 200) return `have ${JSON.stringify(text)}`;
    return `have ${text.length} bytes, ending ${JSON.stringify(text.slice(-120))}`;
  }

  private drainMaster(): void {
    while (!this.closed) {
      const n = Number(lib.read(this.masterFd, this.chunk, this.chunk.length));
      if (n <= 0) return; // EAGAIN: nothing more now; EIO: no slave open yet
      this.received += this.chunk.toString("latin1", 0, n);
    }
  }

  private waitUntil<T>(timeoutMs: number, what: string, take: () => T | undefined): Promise<T> {
    const check = () => {
      this.drainMaster();
      return take();
    };
    return waitUntil(`${what} on pty ${this.slavePath}`, check, { timeoutMs, pollMs: POLL_MS, seen: () => this.describeReceived() });
  }
}

/** struct termios of the tty behind fd, as the kernel reports it (glibc layout). */
export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  vmin: number;
  vtime: number;
  /** speed_t codes (B9600 is 0o15). */
  ispeed: number;
  ospeed: number;
}

export function termiosOf(fd: number): Termios {
  const t = Buffer.alloc(60);
  if (lib.tcgetattr(fd, t) !== 0) throw new Error(`tcgetattr(${fd}): errno ${errno()}`);
  return {
    iflag: t.readUInt32LE(0),
    oflag: t.readUInt32LE(4),
    cflag: t.readUInt32LE(8),
    lflag: t.readUInt32LE(12),
    vtime: t[17 + 5] as number,
    vmin: t[17 + 6] as number,
    ispeed: lib.cfgetispeed(t),
    ospeed: lib.cfgetospeed(t),
  };
}

/** The fds of a process (this one by default) open on this path (followed if a symlink; it may be gone already). */
export function fdsOpenOn(path: string, pid: number | "self" = "self"): number[] {
  const target = existsSync(path) ? realpathSync(path) : path;
  const dir = `/proc/${pid}/fd`;
  const fds: number[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const link = readlinkSync(`${dir}/${name}`);
      if (link === target || link === `${target} (deleted)`) fds.push(Number(name));
    } catch {
      // The fd closed while we looked.
    }
  }
  return fds;
}

/** fcntl(F_GETFL) flags of an fd of this process, from /proc (octal in the file). */
export function fdFlags(fd: number, pid: number | "self" = "self"): number {
  const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
  const match = /^flags:\s+([0-7]+)/m.exec(info);
  if (!match) throw new Error(`no flags for fd ${fd}`);
  return Number.parseInt(match[1] as string, 8);
}
