// The socket's error queue (Linux, IP_RECVERR): one entry per ICMP error
// that came back for a datagram we sent, naming the datagram's destination
// and carrying the start of its text. Read here before Bun reads it (Bun
// reads it too, but keeps only the errno), so a client whose port has closed
// is known by its address and port, and the message it missed by its text.
import { ptr } from "bun:ffi";
import { readLatin1 } from "../protocol/latin1.ts";
import { type Libc, MSG_DONTWAIT, SOCKADDR_BYTES, sockaddrIpv4, sockaddrPort, writePointer } from "./socket-ffi.ts";

const MSG_ERRQUEUE = 0x2000;
const SOL_IP = 0;
const IP_RECVERR = 11;
/** The start of the datagram an ICMP error quotes is all a report needs (Linux quotes up to ~520 bytes of it). */
const PAYLOAD_BYTES = 600;
const CONTROL_BYTES = 512;
/** Reports read in one go at most: a bound on the work, not on what is learnt (the rest wait for the next read). */
const MAX_PER_READ = 256;

/** One ICMP error: the destination of the datagram it came back for, the errno Linux made of it, and the start of that datagram. */
export type ErrorReport = (ipv4: number, port: number, errno: number, payload: string) => void;

export class ErrorQueue {
  /** Reports read since start. */
  read = 0;
  // struct msghdr (56 bytes): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48; then the iovec, name, data, control.
  private readonly store = new ArrayBuffer(56 + 16 + SOCKADDR_BYTES + PAYLOAD_BYTES + CONTROL_BYTES);
  private readonly words = new Uint32Array(this.store);
  private readonly bytes = Buffer.from(this.store);
  private readonly view = new DataView(this.store);

  constructor(
    private readonly libc: Libc,
    private readonly fd: number,
  ) {
    const base = ptr(this.words);
    writePointer(this.words, 0, base + 72);
    writePointer(this.words, 16, base + 56);
    this.words[24 >> 2] = 1;
    writePointer(this.words, 32, base + 72 + SOCKADDR_BYTES + PAYLOAD_BYTES);
    writePointer(this.words, 56, base + 72 + SOCKADDR_BYTES);
    this.words[64 >> 2] = PAYLOAD_BYTES;
  }

  /** Read every report waiting (up to MAX_PER_READ), each to `report`; how many there were. Never waits. */
  drain(report: ErrorReport): number {
    const header = ptr(this.words);
    let count = 0;
    while (count < MAX_PER_READ) {
      this.words[8 >> 2] = SOCKADDR_BYTES;
      this.words[40 >> 2] = CONTROL_BYTES;
      this.words[(40 >> 2) + 1] = 0;
      const length = this.libc.calls.recvmsg(this.fd, header, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (length < 0) break;
      count++;
      const name = 72;
      const payload = readLatin1(this.bytes, name + SOCKADDR_BYTES, name + SOCKADDR_BYTES + Math.min(length, PAYLOAD_BYTES));
      report(sockaddrIpv4(this.bytes, name), sockaddrPort(this.bytes, name), this.errnoOf(), payload);
    }
    this.read += count;
    return count;
  }

  /** ee_errno of the IP_RECVERR control message (struct sock_extended_err starts with it); 0 if there is none. */
  private errnoOf(): number {
    const control = 72 + SOCKADDR_BYTES + PAYLOAD_BYTES;
    const end = control + Math.min(CONTROL_BYTES, this.view.getUint32(40, true));
    let at = control;
    while (at + 16 <= end) {
      const length = this.view.getUint32(at, true);
      if (length < 16) break;
      if (this.view.getInt32(at + 8, true) === SOL_IP && this.view.getInt32(at + 12, true) === IP_RECVERR && at + 20 <= end) {
        return this.view.getUint32(at + 16, true);
      }
      at += (length + 7) & ~7;
    }
    return 0;
  }
}
