// Batched datagram I/O on the server's UDP socket, through bun:ffi: one
// recvmmsg(2) reads what has arrived into preallocated slots, one sendmmsg(2)
// sends everything a turn queued. Bun's UDP layer makes a Buffer, an address
// string and a JavaScript call per datagram; measured under isisload, that was
// most of the server's user time per routed message (README, Benchmarks).
//
// Bun keeps the socket: it binds it, wakes us when a datagram arrives, reads
// what arrives while we are not looking, reports ICMP errors and closes it.
// We read and write the same descriptor, which UDP allows: each datagram is
// read once, by whichever reader comes first, and each send is whole.
// Linux only (the struct layouts below are LP64 Linux's); anywhere else
// attach() says why and the transport uses Bun's API alone.
import { dlopen, FFIType, type Pointer, ptr, read } from "bun:ffi";
import { readdirSync, readlinkSync } from "node:fs";
import { isIPv4 } from "node:net";
import { ipv4Value } from "../core/access.ts";
import { readLatin1, writeLatin1 } from "../protocol/latin1.ts";
import { MAX_MESSAGE_BYTES } from "../protocol/message.ts";

const { i32, u32, ptr: pointer } = FFIType;

const SYMBOLS = {
  recvmmsg: { args: [i32, pointer, u32, i32, pointer], returns: i32 },
  sendmmsg: { args: [i32, pointer, u32, i32], returns: i32 },
  getsockname: { args: [i32, pointer, pointer], returns: i32 },
  getsockopt: { args: [i32, i32, i32, pointer, pointer], returns: i32 },
  __errno_location: { args: [], returns: pointer },
} as const;

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const SO_TYPE = 3;
const MSG_DONTWAIT = 0x40;
/** Report a datagram's real length even when it was longer than its slot. */
const MSG_TRUNC = 0x20;
const EINTR = 4;
const ECONNREFUSED = 111;

// struct mmsghdr (64 bytes): msghdr { name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48 }, msg_len 56.
const MMSG_BYTES = 64;
const IOVEC_BYTES = 16;
const SOCKADDR_BYTES = 16;

/** Datagrams one recvmmsg reads at most. */
export const RECEIVE_SLOTS = 64;
/**
 * Bytes kept of each datagram: one over the message limit, so a message at
 * the limit is whole and anything longer is known to be over it.
 */
const SLOT_BYTES = MAX_MESSAGE_BYTES + 1;
/** Datagrams one sendmmsg sends at most; the kernel takes up to 1024 (UIO_MAXIOV). */
const SEND_SLOTS = 256;
const SEND_DATA_BYTES = 64 * 1024;

export type DatagramSink = (text: string, ipv4: number, port: number) => void;

export interface SendOutcome {
  /** Datagrams the kernel did not take. */
  failed: number;
  /** ICMP errors (a peer's closed port) that an attempt reported instead of sending. */
  refused: number;
}

type Libc = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

/**
 * An IPv4 address as batch I/O keeps it: the four bytes of sockaddr_in's
 * sin_addr read as one little-endian u32. -1 when `address` is not a dotted quad.
 */
export function parseIpv4(address: string): number {
  if (!isIPv4(address)) return -1;
  const value = ipv4Value(address);
  // The first byte of the address is the lowest of the little-endian word.
  return ((value >>> 24) | ((value >>> 8) & 0xff00) | ((value & 0xff00) << 8) | ((value & 0xff) << 24)) >>> 0;
}

/** The dotted quad of a parseIpv4 value, as Bun names the peers it reads from. */
export const formatIpv4 = (ipv4: number): string => `${ipv4 & 255}.${(ipv4 >>> 8) & 255}.${(ipv4 >>> 16) & 255}.${ipv4 >>> 24}`;

/** A pointer is below 2^53: written as the two halves of a u64. */
function writePointer(words: Uint32Array, byteOffset: number, address: number): void {
  words[byteOffset >> 2] = address >>> 0;
  words[(byteOffset >> 2) + 1] = Math.floor(address / 0x1_0000_0000);
}

/**
 * One mmsghdr array with its iovecs and sockaddrs, laid out once in one
 * ArrayBuffer whose address never changes, so a batch fills in only lengths,
 * addresses and data.
 */
class MessageVector {
  readonly words: Uint32Array;
  readonly bytes: Buffer;
  readonly base: Pointer;
  readonly iovecs: number;
  readonly sockaddrs: number;
  readonly data: number;

  constructor(slots: number, dataBytes: number) {
    this.iovecs = slots * MMSG_BYTES;
    this.sockaddrs = this.iovecs + slots * IOVEC_BYTES;
    this.data = this.sockaddrs + slots * SOCKADDR_BYTES;
    const store = new ArrayBuffer(this.data + dataBytes);
    this.words = new Uint32Array(store);
    this.bytes = Buffer.from(store);
    this.base = ptr(this.words);
    for (let slot = 0; slot < slots; slot++) {
      const header = slot * MMSG_BYTES;
      writePointer(this.words, header, this.base + this.sockaddrs + slot * SOCKADDR_BYTES);
      this.words[(header + 8) >> 2] = SOCKADDR_BYTES;
      writePointer(this.words, header + 16, this.base + this.iovecs + slot * IOVEC_BYTES);
      this.words[(header + 24) >> 2] = 1;
      this.bytes[this.sockaddrs + slot * SOCKADDR_BYTES] = AF_INET;
    }
  }

  /** Point slot's iovec at `length` bytes of the data area from `offset`. */
  setBuffer(slot: number, offset: number, length: number): void {
    const iovec = this.iovecs + slot * IOVEC_BYTES;
    writePointer(this.words, iovec, this.base + this.data + offset);
    this.words[(iovec + 8) >> 2] = length;
    this.words[(iovec + 12) >> 2] = 0;
  }
}

let loaded: { libc: Libc; errnoAt: Pointer } | string | undefined;

function load(): { libc: Libc; errnoAt: Pointer } | string {
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) {
    return `batched UDP I/O needs 64-bit Linux (this is ${process.platform}/${process.arch})`;
  }
  try {
    const { symbols } = dlopen("libc.so.6", SYMBOLS);
    const errnoAt = symbols.__errno_location();
    return typeof errnoAt === "number" && errnoAt !== 0 ? { libc: symbols, errnoAt } : "libc.so.6: no errno address";
  } catch (error) {
    return `batched UDP I/O needs glibc (libc.so.6): ${(error as Error).message}`;
  }
}

/** The descriptor of this process's IPv4 UDP socket bound to `ipv4`:`port`, or why there is none. */
function findSocket(libc: Libc, ipv4: number, port: number): number | string {
  const address = new Uint8Array(SOCKADDR_BYTES);
  const value = new Int32Array(1);
  const length = new Uint32Array(1);
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch (error) {
    return `cannot list /proc/self/fd: ${(error as Error).message}`;
  }
  for (const name of names) {
    let target = "";
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue;
    }
    if (!target.startsWith("socket:")) continue;
    const fd = Number(name);
    length[0] = SOCKADDR_BYTES;
    if (libc.getsockname(fd, ptr(address), ptr(length)) !== 0) continue;
    if (address[0] !== AF_INET || ((address[2] as number) << 8) + (address[3] as number) !== port) continue;
    const bound = (address[4] as number) + (address[5] as number) * 0x100 + (address[6] as number) * 0x1_0000 + (address[7] as number) * 0x100_0000;
    if (bound !== ipv4) continue;
    length[0] = 4;
    if (libc.getsockopt(fd, SOL_SOCKET, SO_TYPE, ptr(value), ptr(length)) !== 0 || value[0] !== SOCK_DGRAM) continue;
    return fd;
  }
  return `no UDP socket bound to ${formatIpv4(ipv4)}:${port} among this process's descriptors`;
}

export class BatchSocket {
  /** ICMP errors reported to receive() instead of datagrams, since start. */
  refused = 0;
  /** Datagrams read by receive(), since start. */
  received = 0;
  private readonly inbound = new MessageVector(RECEIVE_SLOTS, RECEIVE_SLOTS * SLOT_BYTES);
  private readonly outbound = new MessageVector(SEND_SLOTS, SEND_DATA_BYTES);
  /** Datagrams queued, and bytes of the send data area they use. */
  private queuedCount = 0;
  private queuedBytes = 0;

  private constructor(
    private readonly libc: Libc,
    private readonly errnoAt: Pointer,
    private readonly fd: number,
  ) {
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) this.inbound.setBuffer(slot, slot * SLOT_BYTES, SLOT_BYTES);
  }

  /** Batch I/O on the UDP socket this process has bound to `address`:`port` (Bun's), or why not. */
  static attach(address: string, port: number): BatchSocket | string {
    loaded ??= load();
    if (typeof loaded === "string") return loaded;
    const ipv4 = parseIpv4(address);
    if (ipv4 === -1) return `not an IPv4 address: ${address}`;
    const fd = findSocket(loaded.libc, ipv4, port);
    return typeof fd === "string" ? fd : new BatchSocket(loaded.libc, loaded.errnoAt, fd);
  }

  get queued(): number {
    return this.queuedCount;
  }

  /**
   * Queue one datagram to `ipv4`:`port`. False when it does not fit beside
   * what is queued: send those first. A datagram bigger than the whole data
   * area never fits here.
   */
  queue(ipv4: number, port: number, text: string): boolean {
    if (this.queuedCount === SEND_SLOTS || this.queuedBytes + text.length > SEND_DATA_BYTES) return false;
    const out = this.outbound;
    const slot = this.queuedCount++;
    const length = writeLatin1(out.bytes, text, out.data + this.queuedBytes);
    out.setBuffer(slot, this.queuedBytes, length);
    this.queuedBytes += length;
    const sockaddr = out.sockaddrs + slot * SOCKADDR_BYTES;
    out.bytes[sockaddr + 2] = port >> 8;
    out.bytes[sockaddr + 3] = port & 255;
    out.words[(sockaddr + 4) >> 2] = ipv4;
    return true;
  }

  /** Send everything queued, in one sendmmsg when the kernel takes it all. */
  sendQueued(): SendOutcome {
    const outcome: SendOutcome = { failed: 0, refused: 0 };
    const count = this.queuedCount;
    this.queuedCount = 0;
    this.queuedBytes = 0;
    let sent = 0;
    // A partial send (the socket buffer is full) or a reported ICMP error
    // gets two more tries; what is left then is counted as failed, never
    // retried forever.
    for (let attempt = 0; sent < count && attempt < 3; attempt++) {
      const result = this.libc.sendmmsg(this.fd, (this.outbound.base + sent * MMSG_BYTES) as Pointer, count - sent, MSG_DONTWAIT);
      if (result > 0) sent += result;
      // An ICMP error for an earlier datagram (another peer's closed port)
      // is reported by the next send instead of sending; reporting clears it.
      else if (this.errno() === ECONNREFUSED) outcome.refused++;
    }
    outcome.failed = count - sent;
    return outcome;
  }

  /**
   * Read what has arrived, up to RECEIVE_SLOTS datagrams, without waiting,
   * and hand each to `sink` in order. Returns how many were read (0 when none
   * was waiting) and counts ICMP errors reported instead in `refused`.
   */
  receive(sink: DatagramSink): number {
    const inbound = this.inbound;
    const words = inbound.words;
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) words[(slot * MMSG_BYTES + 8) >> 2] = SOCKADDR_BYTES;
    let count = -1;
    for (let attempt = 0; attempt < 3 && count < 0; attempt++) {
      count = this.libc.recvmmsg(this.fd, inbound.base, RECEIVE_SLOTS, MSG_DONTWAIT | MSG_TRUNC, null);
      if (count >= 0) break;
      const code = this.errno();
      if (code === ECONNREFUSED) this.refused++;
      else if (code !== EINTR) return 0;
    }
    if (count <= 0) return 0;
    this.received += count;
    const bytes = inbound.bytes;
    for (let slot = 0; slot < count; slot++) {
      const length = words[(slot * MMSG_BYTES + 56) >> 2] as number;
      const start = inbound.data + slot * SLOT_BYTES;
      // Longer than its slot, so over the limit whatever its tail: it is cut,
      // and NUL-filled back to its length, which is all the log reports of it.
      const text = length <= SLOT_BYTES ? readLatin1(bytes, start, start + length) : readLatin1(bytes, start, start + SLOT_BYTES).padEnd(length, "\0");
      const sockaddr = inbound.sockaddrs + slot * SOCKADDR_BYTES;
      sink(text, words[(sockaddr + 4) >> 2] as number, ((bytes[sockaddr + 2] as number) << 8) | (bytes[sockaddr + 3] as number));
    }
    return count;
  }

  private errno(): number {
    return read.i32(this.errnoAt, 0);
  }
}
