// The serial transport: the configured TTYPort devices, each kept in service
// on its own (a missing or vanished port is retried while the others serve),
// over the binding it is given, as @serialport/stream takes one: the termios
// binding (binding.ts) in the server, an in-memory one in the logic's tests.
import type { BindingInterface } from "@serialport/bindings-interface";
import { asOneLine } from "../../protocol/framing.ts";
import type { Priority } from "../../shared/priority.ts";
import { type Scheduler, systemScheduler } from "../../shared/scheduler.ts";
import { ReconnectingPort } from "./reconnecting-port.ts";

export interface SerialEvents {
  /** One complete line (terminator stripped, decoded latin1) from port index. */
  line(index: number, text: string): void;
  /** Junk that was dropped (overlong line > 2047 bytes, NUL or control bytes, a partial line at port loss), for the log. */
  junk(index: number, reason: string): void;
  /**
   * Port went up or down; reported once per transition, with a reason
   * (errno text) when down. `first`: the port's first report, from the
   * attempt start() makes (a port up later came back, or up for the first time).
   */
  state(index: number, up: boolean, reason: string, first: boolean): void;
  /** Output for a slow or stuck port started being shed/refused, or cleared again (once each). */
  backlog?(index: number, priority: Priority, message: string): void;
}

export interface SerialOptions {
  /** What opens the devices and moves their bytes (the termios binding in the server), as @serialport/stream takes it. */
  binding: BindingInterface;
  /** The retry and drain timers. Default: the event loop's. */
  scheduler?: Scheduler;
  /** How often a down port is tried again. Default 3000 ms. */
  retryMs?: number;
  /** Default 9600 (8N1, raw, no echo, no flow control). */
  baudRate?: number;
  /**
   * Output queued for one port beyond which heartbeats and STATUS: lines are
   * shed and other lines refused; DONE:/ERROR:/FATAL: may use up to 4 times
   * this. Default 16 KiB (about 17 s at 9600 baud).
   */
  maxBacklog?: number;
  /** How long close() lets queued output drain before it discards it. Default 2000 ms. */
  drainMs?: number;
}

export class SerialPorts {
  private readonly ports: readonly ReconnectingPort[];
  private readonly drainMs: number;

  constructor(devices: readonly string[], events: SerialEvents, options: SerialOptions) {
    const portOptions = {
      binding: options.binding,
      scheduler: options.scheduler ?? systemScheduler,
      baudRate: options.baudRate ?? 9600,
      retryMs: options.retryMs ?? 3000,
      maxBacklog: options.maxBacklog ?? 16 * 1024,
    };
    this.drainMs = options.drainMs ?? 2000;
    this.ports = devices.map(
      (device, index) =>
        new ReconnectingPort(
          device,
          {
            line: (text) => events.line(index, text),
            junk: (reason) => events.junk(index, reason),
            state: (up, reason, first) => events.state(index, up, reason, first),
            backlog: (priority, message) => events.backlog?.(index, priority, message),
          },
          portOptions,
        ),
    );
  }

  /** Try to open every port once. Never throws; a port that is down is retried every retryMs. */
  async start(): Promise<void> {
    await Promise.all(this.ports.map((port) => port.connect()));
  }

  /** Send one message (add the `\r` yourself), as one line. False when the port is down or out of range, or its output is stuck. */
  write(index: number, text: string): boolean {
    return this.ports[index]?.write(asOneLine(text)) ?? false;
  }

  /** tcflush both directions and drop a partial input line; false when the port is down or out of range. */
  flush(index: number): Promise<boolean> {
    return this.ports[index]?.flush() ?? Promise.resolve(false);
  }

  isUp(index: number): boolean {
    return this.ports[index]?.isUp ?? false;
  }

  /** Stop retrying, let queued output drain (up to drainMs), close every port. */
  async close(): Promise<void> {
    await Promise.all(this.ports.map((port) => port.close(this.drainMs)));
  }
}
