// The monitor's UDP socket: an ephemeral port on the wildcard address of the
// server's family, like `isis cmd`, but kept open for as long as it watches.
import type { udp } from "bun";
import { resolveHost } from "../client/session.ts";

export type LinkResult = { readonly ok: true; readonly link: MonitorLink } | { readonly ok: false; readonly message: string };

export class MonitorLink {
  /** Datagrams the kernel would not take or that bounced (server down: ICMP port unreachable). */
  failures = 0;

  private constructor(
    private readonly socket: udp.Socket<"buffer">,
    private readonly address: string,
    private readonly port: number,
  ) {}

  static async open(host: string, port: number, onText: (text: string) => void): Promise<LinkResult> {
    const resolved = await resolveHost(host);
    if (typeof resolved === "string") return { ok: false, message: resolved };
    let link: MonitorLink | undefined;
    try {
      const socket = await Bun.udpSocket({
        hostname: resolved.family === 6 ? "::" : "0.0.0.0",
        binaryType: "buffer",
        socket: {
          data(_socket, data) {
            onText(data.toString("latin1"));
          },
          // The server not running yet (or restarting) is normal for a monitor: keep trying.
          error() {
            if (link) link.failures++;
          },
        },
      });
      link = new MonitorLink(socket, resolved.address, port);
      return { ok: true, link };
    } catch (error) {
      return { ok: false, message: `cannot open a UDP socket: ${errorText(error)}` };
    }
  }

  send(text: string): void {
    try {
      if (!this.socket.send(text, this.port, this.address)) this.failures++;
    } catch {
      // A bounced earlier datagram is reported by this send: count it, the next renewal retries.
      this.failures++;
    }
  }

  close(): void {
    this.socket.close();
  }
}

const errorText = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
