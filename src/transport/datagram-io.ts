// Datagram I/O on the server's UDP socket, behind one small interface with
// two implementations: Bun's API (bun-io.ts) and recvmmsg/sendmmsg on Bun's
// socket (batch-io.ts). Both send through sendEvery(), so what happens to a
// datagram the kernel will not take, and why, is decided in one place.
//
// Why every send needs care: the socket has IP_RECVERR on (Bun sets it), so
// an ICMP error for an EARLIER datagram (a client's port closed) is reported
// as the error of the NEXT send on the socket, and Linux then does not make
// that send at all. The datagram that failed is usually innocent: it is sent
// again. The dead destination is learnt from the socket's error queue
// (error-queue.ts), never from the failed send.

/** One datagram read: its text (latin1) and its sender. */
export type DatagramSink = (text: string, ipv4: number, port: number) => void;

/** A datagram the kernel would not send, after sendEvery's retries. */
export type NotSent = (ipv4: number, port: number, text: string, errno: number) => void;

export interface DatagramIO {
  /** Queue one datagram to ipv4:port (`address` is its dotted quad). False when it does not fit beside what is queued: flush first. */
  queue(ipv4: number, address: string, port: number, text: string): boolean;
  /** Datagrams queued. */
  readonly queued: number;
  /** Send everything queued, each datagram attempted whatever happens to the others. Returns how many were sent again after an error that was not theirs. */
  flush(notSent: NotSent): number;
  /** Read what has arrived without waiting, up to one batch, each to `sink`; 0 when the implementation does not read (Bun delivers it). */
  receive(sink: DatagramSink): number;
}

// Linux errno values.
export const EINTR = 4;
export const EAGAIN = 11;
const ENOBUFS = 105;
const ENONET = 64;
const EPROTO = 71;
export const EMSGSIZE = 90;
const ENOPROTOOPT = 92;
const EOPNOTSUPP = 95;
const ENETUNREACH = 101;
const ECONNREFUSED = 111;
const EHOSTDOWN = 112;
const EHOSTUNREACH = 113;

/** What Linux turns each ICMP error into (icmp_err_convert): what a send may fail with for an earlier datagram. */
const ICMP_ERRORS: ReadonlyMap<number, string> = new Map([
  [ECONNREFUSED, "port unreachable"],
  [EHOSTUNREACH, "host unreachable"],
  [ENETUNREACH, "network unreachable"],
  [EHOSTDOWN, "host down"],
  [ENONET, "host isolated"],
  [EMSGSIZE, "message too long for the path"],
  [ENOPROTOOPT, "protocol unreachable"],
  [EOPNOTSUPP, "source route failed"],
  [EPROTO, "parameter problem"],
]);

const OTHER_ERRORS: ReadonlyMap<number, string> = new Map([
  [EAGAIN, "socket send buffer full"],
  [ENOBUFS, "no buffer space"],
  [1, "not permitted (EPERM)"],
  [13, "permission denied (EACCES)"],
  [22, "invalid argument (EINVAL)"],
  [99, "address not available (EADDRNOTAVAIL)"],
]);

export const isIcmpError = (errno: number): boolean => ICMP_ERRORS.has(errno);

/** A short reason for a log line: `port unreachable`, `socket send buffer full`, `errno 42`. */
export const errnoReason = (errno: number): string => ICMP_ERRORS.get(errno) ?? OTHER_ERRORS.get(errno) ?? `errno ${errno}`;

/**
 * Attempts per datagram for an ICMP-class error: each failed attempt took
 * one pending report off the socket, so the next goes unless another ICMP
 * error arrived meanwhile; one that fails this often fails on its own account.
 */
const ICMP_ATTEMPTS = 4;
/** Attempts per datagram while the socket's send buffer is full (it drains in microseconds on loopback). */
const FULL_ATTEMPTS = 3;

/**
 * Send datagrams 0..count-1 through `send(from)`, which sends from index
 * `from` on and returns how many went (> 0), or minus the errno of the first
 * that did not. A call that sends some and then meets an error returns the
 * count and loses the errno (sendmmsg), so the next call, from the datagram
 * that failed, learns it. Every datagram is attempted; one that still fails
 * after its retries is handed to `failed` and the rest go on.
 * Returns how many times a call stopped at a datagram that was then tried again.
 */
export function sendEvery(count: number, send: (from: number) => number, failed: (index: number, errno: number) => void): number {
  let index = 0;
  let attempts = 0;
  let retried = 0;
  while (index < count) {
    const result = send(index);
    if (result > 0) {
      index += result;
      attempts = 0;
      if (index < count) retried++;
      continue;
    }
    const errno = result === 0 ? EAGAIN : -result;
    attempts++;
    if (errno === EINTR && attempts < ICMP_ATTEMPTS) continue;
    if (isIcmpError(errno) && attempts < ICMP_ATTEMPTS) {
      retried++;
      continue;
    }
    if ((errno === EAGAIN || errno === ENOBUFS) && attempts < FULL_ATTEMPTS) continue;
    failed(index, errno);
    index++;
    attempts = 0;
  }
  return retried;
}
