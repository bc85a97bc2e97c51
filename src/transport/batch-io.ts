// Batched datagram I/O on the server's UDP socket, through bun:ffi: one
// recvmmsg(2) reads what has arrived into preallocated slots, one sendmmsg(2)
// sends everything a turn queued. Bun's UDP layer makes a Buffer, an address
// string and a JavaScript call per datagram; measured under isisload, that was
// most of the server's user time per routed message (README, Benchmarks).
//
// Bun keeps the socket: it binds it, wakes us when a datagram arrives, reads
// what arrives while we are not looking, and closes it. We read and write the
// same descriptor, which UDP allows: each datagram is read once, by whichever
// reader comes first, and each send is whole.
import type { Pointer } from "bun:ffi";
import { readLatin1, writeLatin1 } from "../protocol/latin1.ts";
import { MAX_MESSAGE_BYTES } from "../protocol/message.ts";
import { type DatagramIO, type DatagramSink, EINTR, isIcmpError, type NotSent, sendEvery } from "./datagram-io.ts";
import {
  askDropCount,
  type Libc,
  MessageVector,
  MMSG_BYTES,
  MSG_DONTWAIT,
  SO_RXQ_OVFL,
  SOCKADDR_BYTES,
  SOL_SOCKET,
  sockaddrIpv4,
  sockaddrPort,
  socketDrops,
  writeSockaddr,
} from "./socket-ffi.ts";

/** Report a datagram's real length even when it was longer than its slot. */
const MSG_TRUNC = 0x20;

/** Datagrams one recvmmsg reads at most. */
export const RECEIVE_SLOTS = 64;
/**
 * Bytes kept of each datagram: one over the message limit, so a message at
 * the limit is whole and anything longer is known to be over it.
 */
const SLOT_BYTES = MAX_MESSAGE_BYTES + 1;
/**
 * Control bytes per slot: the drop count (a u32 in one cmsghdr, 24 bytes
 * with its padding) and room for another control message, should Bun ever
 * ask for one on this socket.
 */
const CONTROL_BYTES = 64;
/** Datagrams one sendmmsg sends at most; the kernel takes up to 1024 (UIO_MAXIOV). */
export const SEND_SLOTS = 256;
export const SEND_DATA_BYTES = 64 * 1024;

export class BatchIO implements DatagramIO {
  /** Datagrams read by receive(), since start. */
  received = 0;
  /**
   * The socket's drop count (datagrams the kernel dropped in front of it,
   * because it was full) as the last datagram read that carried it said;
   * 0 until there have been drops. Learnt with no polling: each datagram
   * queued after a drop carries the count (SO_RXQ_OVFL).
   */
  kernelDrops = 0;
  /** The socket gives its drop count with the datagrams read (SO_RXQ_OVFL was accepted). */
  readonly dropsSignalled: boolean;
  private readonly inbound = new MessageVector(RECEIVE_SLOTS, RECEIVE_SLOTS * (SLOT_BYTES + CONTROL_BYTES));
  private readonly outbound = new MessageVector(SEND_SLOTS, SEND_DATA_BYTES);
  /** Datagrams queued, and bytes of the send data area they use. */
  private queuedCount = 0;
  private queuedBytes = 0;
  private readonly sendFrom = (from: number): number => {
    const sent = this.libc.calls.sendmmsg(this.fd, (this.outbound.base + from * MMSG_BYTES) as Pointer, this.sending - from, MSG_DONTWAIT);
    return sent >= 0 ? sent : -this.libc.errno();
  };
  /** How many datagrams the flush in progress sends. */
  private sending = 0;
  /** Where each queued datagram's bytes are in the send data area. */
  private readonly starts = new Uint32Array(SEND_SLOTS);
  private readonly lengths = new Uint32Array(SEND_SLOTS);

  constructor(
    private readonly libc: Libc,
    private readonly fd: number,
  ) {
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) {
      this.inbound.setBuffer(slot, slot * SLOT_BYTES, SLOT_BYTES);
      this.inbound.setControl(slot, RECEIVE_SLOTS * SLOT_BYTES + slot * CONTROL_BYTES, CONTROL_BYTES);
    }
    this.dropsSignalled = askDropCount(libc, fd);
  }

  /**
   * Ask the socket for its drop count now: drops after the last datagram
   * read (the end of a flood, read by Bun's own path since) are counted too.
   * One getsockopt; for STATS and the like, never per datagram.
   */
  refreshDrops(): void {
    const drops = socketDrops(this.libc, this.fd);
    if (drops !== undefined && drops > this.kernelDrops) this.kernelDrops = drops;
  }

  get queued(): number {
    return this.queuedCount;
  }

  queue(ipv4: number, _address: string, port: number, text: string): boolean {
    if (this.queuedCount === SEND_SLOTS || this.queuedBytes + text.length > SEND_DATA_BYTES) return false;
    const out = this.outbound;
    const slot = this.queuedCount++;
    const length = writeLatin1(out.bytes, text, out.data + this.queuedBytes);
    out.setBuffer(slot, this.queuedBytes, length);
    this.starts[slot] = this.queuedBytes;
    this.lengths[slot] = length;
    this.queuedBytes += length;
    writeSockaddr(out.bytes, out.sockaddrs + slot * SOCKADDR_BYTES, ipv4, port);
    return true;
  }

  flush(notSent: NotSent): number {
    this.sending = this.queuedCount;
    this.queuedCount = 0;
    this.queuedBytes = 0;
    if (this.sending === 0) return 0;
    return sendEvery(this.sending, this.sendFrom, (index, errno) => {
      // Rare (the kernel refused it): the text is decoded back for the log.
      const out = this.outbound;
      const start = out.data + (this.starts[index] as number);
      const text = readLatin1(out.bytes, start, start + (this.lengths[index] as number));
      const sockaddr = out.sockaddrs + index * SOCKADDR_BYTES;
      notSent(sockaddrIpv4(out.bytes, sockaddr), sockaddrPort(out.bytes, sockaddr), text, errno);
    });
  }

  receive(sink: DatagramSink): number {
    const inbound = this.inbound;
    const words = inbound.words;
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) {
      words[(slot * MMSG_BYTES + 8) >> 2] = SOCKADDR_BYTES;
      // The kernel sets msg_controllen to what it wrote: give the whole buffer back each time.
      words[(slot * MMSG_BYTES + 40) >> 2] = CONTROL_BYTES;
    }
    let count = -1;
    // A read can report a pending ICMP error instead of data (the error
    // queue says whose); reporting it clears it, so read again.
    for (let attempt = 0; attempt < 3 && count < 0; attempt++) {
      count = this.libc.calls.recvmmsg(this.fd, inbound.base, RECEIVE_SLOTS, MSG_DONTWAIT | MSG_TRUNC, null);
      if (count >= 0) break;
      const code = this.libc.errno();
      if (code !== EINTR && !isIcmpError(code)) return 0;
    }
    if (count <= 0) return 0;
    this.received += count;
    const bytes = inbound.bytes;
    // Only datagrams queued after a drop carry the count; the last one read has the newest,
    // known before the batch is handed up.
    for (let slot = count - 1; slot >= 0; slot--) {
      if ((words[(slot * MMSG_BYTES + 40) >> 2] as number) === 0) continue;
      const drops = dropCount(bytes, inbound.data + RECEIVE_SLOTS * SLOT_BYTES + slot * CONTROL_BYTES, words[(slot * MMSG_BYTES + 40) >> 2] as number);
      if (drops !== undefined) {
        this.kernelDrops = drops;
        break;
      }
    }
    for (let slot = 0; slot < count; slot++) {
      const length = words[(slot * MMSG_BYTES + 56) >> 2] as number;
      const start = inbound.data + slot * SLOT_BYTES;
      // Longer than its slot, so over the limit whatever its tail: it is cut,
      // and NUL-filled back to its length, which is all the log reports of it.
      const text = length <= SLOT_BYTES ? readLatin1(bytes, start, start + length) : readLatin1(bytes, start, start + SLOT_BYTES).padEnd(length, "\0");
      const sockaddr = inbound.sockaddrs + slot * SOCKADDR_BYTES;
      sink(text, sockaddrIpv4(bytes, sockaddr), sockaddrPort(bytes, sockaddr));
    }
    return count;
  }
}

/** The SO_RXQ_OVFL count in a control buffer of `length` bytes at `at` (cmsghdr: u64 len, i32 level, i32 type, data), if there is one. */
function dropCount(bytes: Buffer, at: number, length: number): number | undefined {
  let offset = 0;
  while (offset + 16 <= length) {
    // A control message is far below 4 GiB: the low half of its u64 length is all of it.
    const cmsgLen = bytes.readUInt32LE(at + offset);
    if (cmsgLen < 16 || offset + cmsgLen > length) return undefined;
    if (bytes.readInt32LE(at + offset + 8) === SOL_SOCKET && bytes.readInt32LE(at + offset + 12) === SO_RXQ_OVFL && cmsgLen >= 20) {
      return bytes.readUInt32LE(at + offset + 16);
    }
    offset += (cmsgLen + 7) & ~7;
  }
  return undefined;
}
