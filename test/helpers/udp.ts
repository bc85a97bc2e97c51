// A real UDP test client on 127.0.0.1: sends datagrams, queues what arrives.
import type { udp } from "bun";
import { Changes, waitUntil } from "./wait.ts";

export class UdpClient {
  private readonly queue: string[] = [];
  private readonly arrived = new Changes();

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
    this.arrived.notify();
  }

  /** Send one datagram to 127.0.0.1:port, as given (add the `\r` yourself). */
  send(text: string | Uint8Array, port: number): void {
    this.socket.send(text, port, "127.0.0.1");
  }

  /** The next datagram received, or an error after timeoutMs. */
  next(timeoutMs = 2000): Promise<string> {
    return waitUntil(`a datagram on port ${this.port}`, () => this.queue.shift(), { on: this.arrived, timeoutMs });
  }

  /** The next datagram that matches re; those before it are dropped. */
  nextMatching(re: RegExp, timeoutMs = 2000): Promise<string> {
    const take = () => {
      for (let text = this.queue.shift(); text !== undefined; text = this.queue.shift()) if (re.test(text)) return text;
      return undefined;
    };
    return waitUntil(`a datagram matching ${re} on port ${this.port}`, take, { on: this.arrived, timeoutMs });
  }

  /** Send and wait for the reply. */
  async request(text: string, port: number, timeoutMs = 2000): Promise<string> {
    this.send(text, port);
    return this.next(timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
