// A real UDP test client on 127.0.0.1: sends datagrams, queues what arrives.
import type { udp } from "bun";

export class UdpClient {
  private readonly queue: string[] = [];
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: udp.Socket<"buffer">) {}

  static async open(port = 0): Promise<UdpClient> {
    let client: UdpClient | undefined;
    const socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_socket, data) {
          client?.push(data.toString("latin1"));
        },
        // "Port unreachable" for an earlier datagram: tests look at what arrives, not at ICMP.
        error() {},
      },
    });
    client = new UdpClient(socket);
    return client;
  }

  get port(): number {
    return this.socket.port;
  }

  private push(text: string): void {
    this.queue.push(text);
    this.waiter?.();
  }

  /** Send one datagram to 127.0.0.1:port, as given (add the `\r` yourself). */
  send(text: string | Uint8Array, port: number): void {
    this.socket.send(text, port, "127.0.0.1");
  }

  /** The next datagram received, or an error after timeoutMs. */
  async next(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no datagram within ${timeoutMs} ms on port ${this.port}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift() as string;
  }

  /** Send and wait for the reply. */
  async request(text: string, port: number, timeoutMs = 2000): Promise<string> {
    this.send(text, port);
    return this.next(timeoutMs);
  }

  /** Resolves with every datagram that arrived within ms (often: none, as asserted by the caller). */
  async drain(ms: number): Promise<string[]> {
    await Bun.sleep(ms);
    return this.queue.splice(0);
  }

  close(): void {
    this.socket.close();
  }
}
