// Datagram I/O through Bun's UDP API alone: Bun reads (and hands each
// datagram to the transport itself), and queued datagrams go out with one
// sendMany. The way datagrams go where batched I/O cannot load, or with
// ISIS_BATCHED_UDP=off.
import type { udp } from "bun";
import { writeLatin1 } from "../protocol/latin1.ts";
import { type DatagramIO, EAGAIN, type NotSent, sendEvery } from "./datagram-io.ts";

/** The errno of an error Bun threw for a send (it gives it negative); EIO if it gave none. */
function errnoOf(error: unknown): number {
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === "number" && errno !== 0 ? Math.abs(errno) : 5;
}

export class BunIO implements DatagramIO {
  /**
   * Datagrams queued: encoded side by side into this one buffer, listed as
   * sendMany takes them (data, port, address), sent at once and reused from the start.
   */
  private readonly outBuffer = Buffer.allocUnsafe(64 * 1024);
  private list: Array<Buffer | number | string> = [];
  private ipv4s: number[] = [];
  private queuedBytes = 0;
  private pending: Array<Buffer | number | string> = [];
  private readonly sendFrom = (from: number): number => {
    const pending = this.pending;
    try {
      if (pending.length === 3) return this.socket.send(pending[0] as Buffer, pending[1] as number, pending[2] as string) ? 1 : -EAGAIN;
      return this.socket.sendMany(from === 0 ? pending : pending.slice(from * 3));
    } catch (error) {
      return -errnoOf(error);
    }
  };

  constructor(private readonly socket: udp.Socket<"buffer">) {}

  get queued(): number {
    return this.ipv4s.length;
  }

  queue(ipv4: number, address: string, port: number, text: string): boolean {
    if (this.queuedBytes + text.length > this.outBuffer.length) return false;
    const start = this.queuedBytes;
    this.queuedBytes += writeLatin1(this.outBuffer, text, start);
    this.list.push(this.outBuffer.subarray(start, this.queuedBytes), port, address);
    this.ipv4s.push(ipv4);
    return true;
  }

  flush(notSent: NotSent): number {
    const count = this.ipv4s.length;
    if (count === 0) return 0;
    this.pending = this.list;
    const ipv4s = this.ipv4s;
    this.list = [];
    this.ipv4s = [];
    this.queuedBytes = 0;
    const pending = this.pending;
    const retried = sendEvery(count, this.sendFrom, (index, errno) => {
      notSent(ipv4s[index] as number, pending[index * 3 + 1] as number, (pending[index * 3] as Buffer).toString("latin1"), errno);
    });
    this.pending = [];
    return retried;
  }

  receive(): number {
    return 0;
  }
}
