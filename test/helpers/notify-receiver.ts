// Plays systemd's side of sd_notify in tests: a real AF_UNIX datagram socket
// bound to a path (or an abstract name) that collects every notification.
// bun:ffi again, because Bun cannot bind a unix datagram socket either.
import { dlopen, FFIType } from "bun:ffi";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AF_UNIX, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_DGRAM, sockaddrUn } from "../../src/server/sd-notify-libc.ts";
import { waitUntil } from "./wait.ts";

const { symbols: c } = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
});

export class NotifyReceiver {
  private readonly received: string[] = [];
  private readonly buffer = new Uint8Array(4096);

  private constructor(
    readonly address: string,
    private readonly fd: number,
    /** A directory made for the socket by inTempDir(), removed by close(). */
    private readonly ownDir?: string,
  ) {}

  /** Bind a socket file in a fresh temporary directory (removed again by close()). */
  static inTempDir(): NotifyReceiver {
    const dir = mkdtempSync(join(tmpdir(), "isis-notify-"));
    return NotifyReceiver.bind(join(dir, "notify"), dir);
  }

  /** Bind `address` (`/path` or `@name`). */
  static bind(address: string, ownDir?: string): NotifyReceiver {
    const sa = sockaddrUn(address);
    if (!sa) throw new Error(`not a unix socket address: ${address}`);
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error("socket(AF_UNIX, SOCK_DGRAM) failed");
    if (c.bind(fd, sa.addr, sa.len) !== 0) {
      c.close(fd);
      throw new Error(`bind(${address}) failed`);
    }
    return new NotifyReceiver(address, fd, ownDir);
  }

  /** Every notification so far, oldest first. */
  get messages(): string[] {
    this.drain();
    return this.received;
  }

  // Read with MSG_DONTWAIT whenever asked: a blocking recv would freeze the test's event loop.
  private drain(): void {
    for (;;) {
      const n = Number(c.recv(this.fd, this.buffer, this.buffer.length, MSG_DONTWAIT));
      if (n < 0) return;
      this.received.push(new TextDecoder().decode(this.buffer.subarray(0, n)));
    }
  }

  /** Resolve with the messages once `count` of them satisfy `match`; reject after timeoutMs. */
  waitFor(match: (message: string) => boolean, count = 1, timeoutMs = 5000): Promise<string[]> {
    const hits = () => {
      const found = this.messages.filter(match);
      return found.length >= count && found;
    };
    return waitUntil(`${count} matching notifications`, hits, { timeoutMs, seen: () => `got: ${JSON.stringify(this.received)}` });
  }

  close(): void {
    c.close(this.fd);
    if (this.address.startsWith("/")) rmSync(this.address, { force: true });
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
  }
}
