// The hardware binding behind SerialPortStream, written against serialport's
// @serialport/bindings-interface over bun:ffi and libc termios.
//
// Nothing here blocks the event loop:
// - open() uses O_NONBLOCK, so it never waits for carrier; O_NOCTTY so the
//   port never becomes the server's controlling terminal.
// - Reads go through Bun.file(fd).stream(), which dups the non-blocking fd
//   and registers it with Bun's own epoll loop: a read costs nothing until
//   bytes arrive, and then runs at once (measured: no CPU while idle, latency
//   well under a millisecond; polling read() on a timer cost more and added
//   its interval as latency). O_NONBLOCK is what makes Bun poll: on a
//   blocking tty fd it reads on the JS thread and the whole process stalls.
// - Writes call write(2) directly; when the tty's output buffer is full
//   (EAGAIN) they retry on a short, backing-off timer.
// - drain polls TIOCOUTQ instead of calling tcdrain(3), which would block.
import { readdir } from "node:fs/promises";
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from "@serialport/bindings-interface";
import { canceledError, hangupError, SerialError, systemError } from "./errors.ts";
import {
  EAGAIN,
  EINTR,
  errno,
  libc,
  O_CLOEXEC,
  O_NOCTTY,
  O_NONBLOCK,
  O_RDWR,
  TCIOFLUSH,
  TCOFLUSH,
  TIOCCBRK,
  TIOCEXCL,
  TIOCMGET,
  TIOCMSET,
  TIOCOUTQ,
  TIOCSBRK,
} from "./libc.ts";
import { applyBaudRate, applyLineSettings, DEFAULT_SETTINGS, type LineSettings, readBaudRate, settingsProblem } from "./termios.ts";

// Modem control bits (TIOCMGET/TIOCMSET).
const TIOCM_DTR = 0x002;
const TIOCM_RTS = 0x004;
const TIOCM_CTS = 0x020;
const TIOCM_CAR = 0x040;
const TIOCM_DSR = 0x100;

/** Longest wait between write retries while the output buffer is full (about 60 bytes at 9600 baud). */
const MAX_WRITE_BACKOFF_MS = 64;
const DRAIN_POLL_MS = 10;

/** Bun's pollable reader over a non-blocking tty fd (it reads a dup of fd, registered with epoll). */
const readerOf = (fd: number) => Bun.file(fd).stream().getReader();

const sleep = (ms: number): Promise<void> => new Promise((wake) => setTimeout(wake, ms));

export class TermiosPort implements BindingPortInterface {
  isOpen = true;
  private reader: ReturnType<typeof readerOf> | undefined;
  /** Bytes the stream delivered beyond what the last read() asked for. */
  private leftover: Uint8Array | undefined;
  private leftoverAt = 0;
  private writing: Promise<void> | undefined;
  private readonly word = new Int32Array(1);

  constructor(
    readonly fd: number,
    readonly openOptions: LineSettings,
  ) {}

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    while (this.leftover === undefined) {
      if (!this.isOpen) throw canceledError();
      this.reader ??= readerOf(this.fd);
      const reader = this.reader;
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw this.isOpen ? this.whyReadEnded(error) : canceledError();
      }
      if (!this.isOpen) throw canceledError();
      if (chunk.done) throw this.whyReadEnded(undefined);
      if (chunk.value.length > 0) {
        this.leftover = chunk.value;
        this.leftoverAt = 0;
      }
    }
    const bytesRead = Math.min(length, this.leftover.length - this.leftoverAt);
    buffer.set(this.leftover.subarray(this.leftoverAt, this.leftoverAt + bytesRead), offset);
    this.leftoverAt += bytesRead;
    if (this.leftoverAt === this.leftover.length) this.leftover = undefined;
    return { buffer, bytesRead };
  }

  write(buffer: Buffer): Promise<void> {
    const done = this.writeAll(buffer);
    this.writing = done.catch(() => {});
    return done;
  }

  async drain(): Promise<void> {
    await this.writing;
    for (;;) {
      if (!this.isOpen) throw canceledError();
      const lib = this.lib();
      // Bytes still in the driver's output queue; 0 once all went out.
      if (lib.ioctl(this.fd, TIOCOUTQ, this.word) !== 0) throw systemError("ioctl TIOCOUTQ");
      if (this.word[0] === 0) return;
      await sleep(DRAIN_POLL_MS);
    }
  }

  async flush(): Promise<void> {
    if (!this.isOpen) throw canceledError();
    if (this.lib().tcflush(this.fd, TCIOFLUSH) !== 0) throw systemError("tcflush");
    this.leftover = undefined;
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.leftover = undefined;
    // Cancelling settles a read in progress and makes Bun close its dup of the fd.
    await this.reader?.cancel().catch(() => {});
    const lib = this.lib();
    // A tty's last close waits for untransmitted output (up to 30 s on a
    // serial driver); discard what is left so close(2) cannot hold up the
    // event loop. Only then: on a pty TCOFLUSH would also throw away what the
    // other side has not read yet, which is output already delivered.
    if (lib.ioctl(this.fd, TIOCOUTQ, this.word) !== 0 || this.word[0] !== 0) lib.tcflush(this.fd, TCOFLUSH);
    lib.close(this.fd);
  }

  async update(options: UpdateOptions): Promise<void> {
    if (!this.isOpen) throw canceledError();
    const error = applyBaudRate(this.fd, options.baudRate);
    if (error) throw error;
    this.openOptions.baudRate = options.baudRate;
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    if (!this.isOpen) throw canceledError();
    const baudRate = readBaudRate(this.fd);
    if (baudRate instanceof SerialError) throw baudRate;
    return { baudRate };
  }

  async set(options: SetOptions): Promise<void> {
    if (!this.isOpen) throw canceledError();
    const lib = this.lib();
    if (lib.ioctl(this.fd, TIOCMGET, this.word) !== 0) throw systemError("ioctl TIOCMGET");
    let bits = this.word[0] as number;
    bits = options.dtr === false ? bits & ~TIOCM_DTR : bits | TIOCM_DTR;
    bits = options.rts === false ? bits & ~TIOCM_RTS : bits | TIOCM_RTS;
    this.word[0] = bits;
    if (lib.ioctl(this.fd, TIOCMSET, this.word) !== 0) throw systemError("ioctl TIOCMSET");
    if (lib.ioctl(this.fd, options.brk ? TIOCSBRK : TIOCCBRK, null) !== 0) throw systemError(options.brk ? "ioctl TIOCSBRK" : "ioctl TIOCCBRK");
  }

  async get(): Promise<PortStatus> {
    if (!this.isOpen) throw canceledError();
    if (this.lib().ioctl(this.fd, TIOCMGET, this.word) !== 0) throw systemError("ioctl TIOCMGET");
    const bits = this.word[0] as number;
    return { cts: (bits & TIOCM_CTS) !== 0, dsr: (bits & TIOCM_DSR) !== 0, dcd: (bits & TIOCM_CAR) !== 0 };
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    let offset = 0;
    let backoff = 2;
    while (offset < buffer.length) {
      if (!this.isOpen) throw canceledError();
      const written = Number(this.lib().write(this.fd, offset === 0 ? buffer : buffer.subarray(offset), buffer.length - offset));
      if (written >= 0) {
        offset += written;
        backoff = 2;
        continue;
      }
      const code = errno();
      if (code !== EAGAIN && code !== EINTR) throw systemError("write", code);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_WRITE_BACKOFF_MS);
    }
  }

  /**
   * Bun ends the stream on a hangup or a read error without saying which.
   * Ask the fd itself: an unplugged USB adapter reads EIO or ENODEV, a
   * hung-up tty (a pty whose master closed) end of file. Should a byte come
   * back instead, it is lost with the port, which is being reopened anyway.
   */
  private whyReadEnded(error: unknown): SerialError {
    const probe = Number(this.lib().read(this.fd, this.word, 1));
    if (probe < 0 && errno() !== EAGAIN) return systemError("read");
    if (probe === 0) return hangupError();
    const message = error instanceof Error ? error.message : "read stream ended";
    return new SerialError(message, (error as { code?: string } | undefined)?.code ?? "EOF");
  }

  private lib(): Exclude<ReturnType<typeof libc>, string> {
    // Only reachable after a successful open, which loaded libc.
    return libc() as Exclude<ReturnType<typeof libc>, string>;
  }
}

/** Open and configure a tty; the fd, or the error of the step that failed. */
function openTty(settings: LineSettings): number | SerialError {
  const lib = libc();
  if (typeof lib === "string") return new SerialError(lib, "ENOSYS");
  const problem = settingsProblem(settings);
  if (problem) return new SerialError(problem, "EINVAL");
  const fd = lib.open(Buffer.from(`${settings.path}\0`), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) return systemError("open");
  const failed = (error: SerialError): SerialError => {
    lib.close(fd);
    return error;
  };
  // Exclusive mode: a second opener (another isis, a stray terminal program)
  // gets EBUSY instead of stealing half the bytes. Root is exempt by the kernel.
  if (settings.lock && lib.ioctl(fd, TIOCEXCL, null) !== 0) return failed(systemError("ioctl TIOCEXCL"));
  const error = applyLineSettings(fd, settings);
  if (error) return failed(error);
  // Whatever piled up before we opened the port is stale.
  if (lib.tcflush(fd, TCIOFLUSH) !== 0) return failed(systemError("tcflush"));
  return fd;
}

export const TermiosBinding: BindingInterface<TermiosPort, OpenOptions, PortInfo> = {
  async open(options: OpenOptions): Promise<TermiosPort> {
    const settings: LineSettings = { ...DEFAULT_SETTINGS, ...options };
    const fd = openTty(settings);
    if (fd instanceof SerialError) throw fd;
    return new TermiosPort(fd, settings);
  },

  /** Serial devices the kernel knows of (those with a driver behind them). */
  async list(): Promise<PortInfo[]> {
    const names = await readdir("/sys/class/tty").catch(() => [] as string[]);
    const real = await Promise.all(
      names.map((name) =>
        readdir(`/sys/class/tty/${name}/device`).then(
          () => name,
          () => undefined,
        ),
      ),
    );
    return real
      .filter((name): name is string => name !== undefined)
      .map((name) => ({
        path: `/dev/${name}`,
        manufacturer: undefined,
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      }));
  },
};
