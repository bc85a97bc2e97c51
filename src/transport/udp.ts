// The UDP transport: one IPv4 socket on ServerPort. Each datagram is handed
// up as latin1 text (one char per byte, so lengths are byte counts) with the
// address it came from; replies go back to exactly that address and port.
import type { udp } from "bun";
import { writeLatin1 } from "../protocol/latin1.ts";

export type UdpReceiver = (text: string, address: string, port: number) => void;

export type BindResult = { readonly ok: true; readonly transport: UdpTransport } | { readonly ok: false; readonly reason: string };

export class UdpTransport {
  /** Datagrams the kernel would not take (buffer full, bad address). */
  sendFailures = 0;
  /** ICMP errors reported back for earlier datagrams (a peer's port closed). */
  peerErrors = 0;

  /**
   * Queued datagrams are encoded side by side into this one buffer: sendmmsg
   * copies them into the kernel, after which it is reused from the start, so
   * the message path allocates no backing store per datagram.
   */
  private readonly outBuffer = Buffer.allocUnsafe(65536);

  private constructor(private readonly socket: udp.Socket<"buffer">) {}

  /** Bind 0.0.0.0:port (0 = any free port). A failure is a reason, not an exception. */
  static async bind(port: number, receive: UdpReceiver, hostname = "0.0.0.0"): Promise<BindResult> {
    let transport: UdpTransport | undefined;
    try {
      const socket = await Bun.udpSocket({
        hostname,
        port,
        socket: {
          data(_socket, data, fromPort, fromAddress) {
            const text = data.toString("latin1");
            if (transport) {
              transport.lastText = text;
              transport.lastData = data;
            }
            receive(text, fromAddress, fromPort);
          },
          // A datagram to a closed port comes back as ICMP "port unreachable",
          // which Bun reports here (ECONNREFUSED on the error queue). An agent
          // that is down must never take the server with it: count and go on.
          // Bun 1.4 passes the error first, whatever its type declarations say.
          error(...args: unknown[]) {
            if (transport) transport.peerErrors++;
            void args;
          },
        },
      });
      transport = new UdpTransport(socket);
      return { ok: true, transport };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === "EADDRINUSE" ? "address already in use" : code === "EACCES" ? "permission denied" : String(error);
      return { ok: false, reason: `cannot bind UDP port ${port}: ${why}` };
    }
  }

  get port(): number {
    return this.socket.port;
  }

  /**
   * The datagram last received, as text and as the bytes Bun handed over
   * (a copy of its own per datagram). A message routed unchanged (the usual
   * case) is sent as those bytes: latin1 maps bytes to chars one to one, so
   * they are exactly what encoding the text again would give.
   */
  private lastText = "";
  private lastData: Buffer | undefined;

  /** Datagrams waiting for the end of this event-loop turn, as sendMany wants them: data, port, address. */
  private queue: Array<Buffer | number | string> = [];
  /** Bytes of outBuffer in use by queued datagrams. */
  private queuedBytes = 0;
  private flushScheduled = false;
  private readonly flushSoon = () => this.flush();

  /**
   * The first datagram of an event-loop turn goes out at once (a lone
   * request waits for nothing); the rest of the turn, the replies to the
   * rest of one recvmmsg batch, are queued and go out in one sendmmsg at its
   * end. Measured under isisload: more routed messages per second than one
   * sendmmsg each, with the round trip at window 1 unchanged.
   */
  send(address: string, port: number, text: string): boolean {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
      return this.sendNow(address, port, text);
    }
    this.queue.push(this.encode(text), port, address);
    return true;
  }

  /** The bytes of `text`: the received datagram itself when `text` is that datagram, else encoded into outBuffer. */
  private encode(text: string): Buffer {
    if (text === this.lastText && this.lastData) return this.lastData;
    if (this.queuedBytes + text.length > this.outBuffer.length) this.flushQueue();
    const start = this.queuedBytes;
    this.queuedBytes += writeLatin1(this.outBuffer, text, start);
    return this.outBuffer.subarray(start, this.queuedBytes);
  }

  private sendNow(address: string, port: number, text: string): boolean {
    const data = this.encode(text);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (this.socket.send(data, port, address)) return true;
        break;
      } catch {
        // See flushQueue: the report of an earlier ICMP error displaced this send.
        this.peerErrors++;
      }
    }
    this.sendFailures++;
    return true;
  }

  /** Send everything queued now; the next datagram starts a new turn. */
  flush(): void {
    this.flushScheduled = false;
    this.flushQueue();
  }

  private flushQueue(): void {
    let pending = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (let attempt = 0; pending.length > 0 && attempt < 3; attempt++) {
      try {
        const sent = this.socket.sendMany(pending);
        if (sent * 3 >= pending.length) return;
        // The kernel took only part of the batch (its buffer is full): try the rest once more.
        pending = pending.slice(sent * 3);
      } catch {
        // An ICMP error from an earlier datagram (another peer's closed port)
        // is reported by the next send, which is then not sent. Reporting it
        // clears it, so the retry delivers the batch.
        this.peerErrors++;
      }
    }
    this.sendFailures += pending.length / 3;
  }

  close(): void {
    this.flush();
    this.socket.close();
  }
}
