// The UDP transport: one IPv4 socket on ServerPort. Each datagram is handed
// up as latin1 text (one char per byte, so lengths are byte counts) with the
// address it came from; replies go back to exactly that address and port.
import type { udp } from "bun";

export type UdpReceiver = (text: string, address: string, port: number) => void;

export type BindResult = { readonly ok: true; readonly transport: UdpTransport } | { readonly ok: false; readonly reason: string };

export class UdpTransport {
  /** Datagrams the kernel would not take (buffer full, bad address). */
  sendFailures = 0;
  /** ICMP errors reported back for earlier datagrams (a peer's port closed). */
  peerErrors = 0;

  /**
   * Outgoing datagrams are encoded into this one buffer: sendto copies the
   * bytes into the kernel before send() returns, so it can be reused at once,
   * and the message path allocates no backing store per datagram.
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
            receive(data.toString("latin1"), fromAddress, fromPort);
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

  send(address: string, port: number, text: string): boolean {
    const length = this.outBuffer.write(text, 0, "latin1");
    const data = this.outBuffer.subarray(0, length);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (this.socket.send(data, port, address)) return true;
        break;
      } catch {
        // An ICMP error from an earlier datagram (another peer's closed port)
        // is reported by the next send, which is then not sent. Reporting it
        // clears it, so one retry delivers this datagram.
        this.peerErrors++;
      }
    }
    this.sendFailures++;
    return false;
  }

  close(): void {
    this.socket.close();
  }
}
