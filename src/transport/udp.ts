// The UDP transport: one IPv4 socket on ServerPort. Each datagram is handed
// up as latin1 text (one char per byte, so lengths are byte counts) with the
// address it came from; replies go back to exactly that address and port.
import type { udp } from "bun";

export type UdpReceiver = (text: string, address: string, port: number) => void;

export type BindResult = { readonly ok: true; readonly transport: UdpTransport } | { readonly ok: false; readonly reason: string };

export class UdpTransport {
  /** Datagrams the kernel would not take (buffer full, unreachable). */
  sendFailures = 0;

  private constructor(private readonly socket: udp.Socket<"buffer">) {}

  /** Bind 0.0.0.0:port (0 = any free port). A failure is a reason, not an exception. */
  static async bind(port: number, receive: UdpReceiver, hostname = "0.0.0.0"): Promise<BindResult> {
    try {
      const socket = await Bun.udpSocket({
        hostname,
        port,
        socket: {
          data(_socket, data, fromPort, fromAddress) {
            receive(data.toString("latin1"), fromAddress, fromPort);
          },
        },
      });
      return { ok: true, transport: new UdpTransport(socket) };
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
    try {
      if (this.socket.send(Buffer.from(text, "latin1"), port, address)) return true;
    } catch {
      // An unresolvable or unreachable address: counted, never fatal.
    }
    this.sendFailures++;
    return false;
  }

  close(): void {
    this.socket.close();
  }
}
