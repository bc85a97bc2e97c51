// One configured serial device that stays in service: opened through
// SerialPortStream on the termios binding, framed into lines, and reopened
// every retryMs while it is missing or after it vanished (an unplugged USB
// adapter, a closed pty). Each up/down transition is reported exactly once.
import { SerialPortStream } from "@serialport/stream";
import { LineFramer, type LineSink } from "../../protocol/framing.ts";
import { TermiosBinding } from "./binding.ts";
import { reasonOf } from "./errors.ts";

export interface PortEvents extends LineSink {
  state(up: boolean, reason: string): void;
}

export interface PortOptions {
  readonly baudRate: number;
  readonly retryMs: number;
  /** Output bytes queued for a slow or stuck port beyond which write() refuses. */
  readonly maxBacklog: number;
}

type Stream = SerialPortStream<typeof TermiosBinding>;

export class ReconnectingPort {
  private stream: Stream | undefined;
  private opening: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The state last reported; undefined before the first attempt. */
  private reported: boolean | undefined;
  private closed = false;
  private readonly framer: LineFramer;

  constructor(
    readonly device: string,
    private readonly events: PortEvents,
    private readonly options: PortOptions,
  ) {
    this.framer = new LineFramer(events);
  }

  get isUp(): boolean {
    return this.stream?.isOpen ?? false;
  }

  /** One attempt to open the device; settles when it is up or reported down. Never rejects. */
  connect(): Promise<void> {
    if (this.closed || this.stream) return Promise.resolve();
    this.opening ??= new Promise<void>((settle) => {
      const stream: Stream = new SerialPortStream({
        binding: TermiosBinding,
        path: this.device,
        baudRate: this.options.baudRate,
        autoOpen: false,
        highWaterMark: 4096,
      });
      stream.open((error) => {
        this.opening = undefined;
        if (error) {
          stream.destroy();
          this.down(reasonOf(error));
          settle();
        } else if (this.closed) {
          // close() came while we were opening and waits for this to settle.
          stream.close(() => {
            stream.destroy();
            settle();
          });
        } else {
          this.attach(stream);
          settle();
        }
      });
    });
    return this.opening;
  }

  /** Queue text for the port. False when it is down or its output is stuck past maxBacklog. */
  write(text: string): boolean {
    const stream = this.stream;
    if (!stream?.isOpen || stream.writableLength > this.options.maxBacklog) return false;
    stream.write(Buffer.from(text, "latin1"));
    return true;
  }

  /** Discard input and output waiting in the driver (tcflush), and any partial line. */
  async flush(): Promise<boolean> {
    const stream = this.stream;
    if (!stream?.isOpen) return false;
    const flushed = await new Promise<boolean>((done) => stream.flush((error) => done(!error)));
    this.framer.reset();
    return flushed;
  }

  /** Stop retrying; let queued output go out for up to drainMs, then close the device. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.opening;
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    if (stream.isOpen) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((done) => (timer = setTimeout(done, drainMs)));
      await Promise.race([drained(stream), timeout]);
      clearTimeout(timer);
    }
    if (stream.isOpen) await new Promise<void>((done) => stream.close(() => done()));
    stream.destroy();
  }

  private attach(stream: Stream): void {
    this.stream = stream;
    stream.on("data", (chunk: Buffer) => this.framer.push(chunk));
    // SerialPortStream reports a lost device as 'close' with a DisconnectedError;
    // a failed write also emits 'error'. Either one takes the port down, once.
    // The 'error' listener stays for good so a late error can never go unhandled.
    stream.on("close", (error?: Error | null) => this.lost(stream, error));
    stream.on("error", (error: Error) => this.lost(stream, error));
    this.report(true, `open, ${this.options.baudRate} baud 8N1 raw`);
  }

  private lost(stream: Stream, error: Error | null | undefined): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    // Release the device at once: a USB adapter that comes back gets its old
    // name only if nobody holds the old one open.
    if (stream.port?.isOpen) void stream.port.close();
    stream.destroy();
    const dropped = this.framer.reset();
    if (dropped > 0) this.events.junk(`partial line of ${dropped} bytes dropped: port went down`);
    this.down(error ? reasonOf(error) : "port closed");
  }

  private down(reason: string): void {
    if (this.closed) return;
    this.report(false, reason);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.options.retryMs);
    // Retrying alone must not keep a process alive that is otherwise done.
    this.retryTimer.unref();
  }

  private report(up: boolean, reason: string): void {
    if (this.reported === up) return;
    this.reported = up;
    this.events.state(up, reason);
  }
}

/** Settles once everything written so far has left the driver (or failed to). */
function drained(stream: Stream): Promise<void> {
  return new Promise<void>((done) => {
    // A zero-length write completes after every write queued before it.
    stream.write(Buffer.alloc(0), () => {
      if (stream.isOpen) stream.drain(() => done());
      else done();
    });
  });
}
