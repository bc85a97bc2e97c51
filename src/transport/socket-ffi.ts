// The libc calls batched UDP I/O and the error-queue reader make on the
// socket Bun bound, through bun:ffi: finding that socket among this
// process's descriptors, and the mmsghdr/msghdr layouts they fill in.
// Linux only (the struct layouts below are LP64 Linux's); anywhere else
// loadLibc() says why, and the transport uses Bun's API alone.
import { dlopen, FFIType, type Pointer, ptr, read } from "bun:ffi";
import { readdirSync, readlinkSync } from "node:fs";
import { formatIpv4 } from "../shared/endpoint.ts";

const { i32, u32, ptr: pointer } = FFIType;

const SYMBOLS = {
  recvmmsg: { args: [i32, pointer, u32, i32, pointer], returns: i32 },
  sendmmsg: { args: [i32, pointer, u32, i32], returns: i32 },
  recvmsg: { args: [i32, pointer, i32], returns: i32 },
  getsockname: { args: [i32, pointer, pointer], returns: i32 },
  getsockopt: { args: [i32, i32, i32, pointer, pointer], returns: i32 },
  setsockopt: { args: [i32, i32, i32, pointer, u32], returns: i32 },
  __errno_location: { args: [], returns: pointer },
} as const;

export type LibcCalls = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

/** The libc calls, and where this thread's errno lives. */
export interface Libc {
  readonly calls: LibcCalls;
  errno(): number;
}

const AF_INET = 2;
const SOCK_DGRAM = 2;
export const SOL_SOCKET = 1;
const SO_TYPE = 3;
/** The socket's drop count comes with each datagram read, as a control message (socket(7)). */
export const SO_RXQ_OVFL = 40;
/** getsockopt: the socket's memory counters, an array of u32 (SK_MEMINFO_*). */
const SO_MEMINFO = 55;
/** Index of the drop count in SO_MEMINFO's array (the counter SO_RXQ_OVFL and /proc/net/udp report). */
const SK_MEMINFO_DROPS = 8;
export const MSG_DONTWAIT = 0x40;

// struct mmsghdr (64 bytes): msghdr { name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48 }, msg_len 56.
export const MMSG_BYTES = 64;
const IOVEC_BYTES = 16;
export const SOCKADDR_BYTES = 16;

let loaded: Libc | string | undefined;

/** libc through bun:ffi, loaded once; a reason when it cannot be. */
export function loadLibc(): Libc | string {
  loaded ??= load();
  return loaded;
}

function load(): Libc | string {
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) {
    return `batched UDP I/O needs 64-bit Linux (this is ${process.platform}/${process.arch})`;
  }
  try {
    const { symbols } = dlopen("libc.so.6", SYMBOLS);
    const errnoAt = symbols.__errno_location();
    if (typeof errnoAt !== "number" || errnoAt === 0) return "libc.so.6: no errno address";
    return { calls: symbols, errno: () => read.i32(errnoAt as Pointer, 0) };
  } catch (error) {
    return `batched UDP I/O needs glibc (libc.so.6): ${(error as Error).message}`;
  }
}

/** Ask for the socket's drop count with every datagram read (SO_RXQ_OVFL); false when the kernel will not. */
export function askDropCount(libc: Libc, fd: number): boolean {
  const on = new Int32Array([1]);
  return libc.calls.setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, ptr(on), 4) === 0;
}

/**
 * The socket's drop count now (SO_MEMINFO): unlike SO_RXQ_OVFL, which rides
 * on the next datagram queued, it includes drops after the last one read.
 * Undefined if the kernel will not say.
 */
export function socketDrops(libc: Libc, fd: number): number | undefined {
  const info = new Uint32Array(16);
  const length = new Uint32Array([info.byteLength]);
  if (libc.calls.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, ptr(info), ptr(length)) !== 0) return undefined;
  return (length[0] as number) >= (SK_MEMINFO_DROPS + 1) * 4 ? info[SK_MEMINFO_DROPS] : undefined;
}

/** The descriptor of this process's IPv4 UDP socket bound to `ipv4`:`port` (an ipv4Value), or why there is none. */
export function findSocket(libc: Libc, ipv4: number, port: number): number | string {
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
    if (libc.calls.getsockname(fd, ptr(address), ptr(length)) !== 0) continue;
    if (address[0] !== AF_INET || sockaddrPort(address, 0) !== port || sockaddrIpv4(address, 0) !== ipv4) continue;
    length[0] = 4;
    if (libc.calls.getsockopt(fd, SOL_SOCKET, SO_TYPE, ptr(value), ptr(length)) !== 0 || value[0] !== SOCK_DGRAM) continue;
    return fd;
  }
  return `no UDP socket bound to ${formatIpv4(ipv4)}:${port} among this process's descriptors`;
}

/** The address of the sockaddr_in at `at`, as an ipv4Value (sin_addr is in network order: first byte first). */
export const sockaddrIpv4 = (bytes: Uint8Array, at: number): number =>
  (((bytes[at + 4] as number) << 24) | ((bytes[at + 5] as number) << 16) | ((bytes[at + 6] as number) << 8) | (bytes[at + 7] as number)) >>> 0;

export const sockaddrPort = (bytes: Uint8Array, at: number): number => ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);

/** Fill in the sockaddr_in at `at` (its family is already set). */
export function writeSockaddr(bytes: Uint8Array, at: number, ipv4: number, port: number): void {
  bytes[at + 2] = port >> 8;
  bytes[at + 3] = port & 255;
  bytes[at + 4] = ipv4 >>> 24;
  bytes[at + 5] = (ipv4 >>> 16) & 255;
  bytes[at + 6] = (ipv4 >>> 8) & 255;
  bytes[at + 7] = ipv4 & 255;
}

/** A pointer is below 2^53: written as the two halves of a u64. */
export function writePointer(words: Uint32Array, byteOffset: number, address: number): void {
  words[byteOffset >> 2] = address >>> 0;
  words[(byteOffset >> 2) + 1] = Math.floor(address / 0x1_0000_0000);
}

/**
 * One mmsghdr array with its iovecs and sockaddrs, laid out once in one
 * ArrayBuffer whose address never changes, so a batch fills in only lengths,
 * addresses and data.
 */
export class MessageVector {
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

  /** Give slot a control-message buffer of `length` bytes of the data area from `offset` (recvmmsg fills it). */
  setControl(slot: number, offset: number, length: number): void {
    const header = slot * MMSG_BYTES;
    writePointer(this.words, header + 32, this.base + this.data + offset);
    this.words[(header + 40) >> 2] = length;
    this.words[(header + 44) >> 2] = 0;
  }

  /** Point slot's iovec at `length` bytes of the data area from `offset`. */
  setBuffer(slot: number, offset: number, length: number): void {
    const iovec = this.iovecs + slot * IOVEC_BYTES;
    writePointer(this.words, iovec, this.base + this.data + offset);
    this.words[(iovec + 8) >> 2] = length;
    this.words[(iovec + 12) >> 2] = 0;
  }
}
