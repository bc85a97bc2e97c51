// One configured serial device that stays in service: opened through
// SerialPortStream on the binding it is given (the termios one in the
// server, an in-memory one in tests), framed into lines, and reopened every
// retryMs while it is missing or after it vanished (an unplugged USB adapter,
// a closed pty). Each up/down transition is reported exactly once.
import type { BindingInterface } from "@serialport/bindings-interface";
import { SerialPortStream } from "@serialport/stream";
import { LineFramer, type LineSink } from "../../protocol/framing.ts";
import type { Priority } from "../../shared/priority.ts";
import type { Scheduler, Timer } from "../../shared/scheduler.ts";
import { reasonOf } from "./errors.ts";
import { OutputQueue } from "./output-queue.ts";

export interface PortEvents extends LineSink {
  /** `first`: the first report, from the first attempt to open the port. */
  state(up: boolean, reason: string, first: boolean): void;
  /** Output started being shed or refused for a full backlog, or the backlog cleared again (once each). */
  backlog?(priority: Priority, message: string): void;
}

/** Bytes handed to the driver at a time; the rest waits in the queue, where it can still be shed. */
const CHUNK_BYTES = 512;

export interface PortOptions {
  /** What opens the device and moves its bytes (as @serialport/stream takes it). */
  readonly binding: BindingInterface;
  /** The retry and drain timers. */
  readonly scheduler: Scheduler;
  readonly baudRate: number;
  readonly retryMs: number;
  /** Output bytes queued for a slow or stuck port beyond which heartbeats and STATUS: are shed and other lines refused. */
  readonly maxBacklog: number;
}

type Stream = SerialPortStream<BindingInterface>;

export class ReconnectingPort {
  private stream: Stream | undefined;
  private opening: Promise<void> | undefined;
  private retryTimer: Timer | undefined;
  /** The state last reported; undefined before the first attempt. */
  private reported: boolean | undefined;
  private closed = false;
  private readonly framer: LineFramer;
  /** Output not yet handed to the driver. */
  readonly output: OutputQueue;
  /** A chunk is with the stream and its callback has not come yet. */
  private writing = false;
  /** Shed/refused counts when the backlog was last reported full; undefined while it is not. */
  private overflowFrom: { shed: number; refused: number } | undefined;

  constructor(
    readonly device: string,
    private readonly events: PortEvents,
    private readonly options: PortOptions,
  ) {
    this.framer = new LineFramer(events);
    this.output = new OutputQueue(options.maxBacklog);
  }

  get isUp(): boolean {
    return this.stream?.isOpen ?? false;
  }

  /** One attempt to open the device; settles when it is up or reported down. Never rejects. */
  connect(): Promise<void> {
    if (this.closed || this.stream) return Promise.resolve();
    this.opening ??= new Promise<void>((settle) => {
      const stream: Stream = new SerialPortStream({
        binding: this.options.binding,
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

  /**
   * Queue one message for the port. False when it is down, or when its
   * backlog is full and the message is not one that may be shed instead
   * (see OutputQueue).
   */
  write(text: string): boolean {
    if (!this.stream?.isOpen) return false;
    const { shed, refused } = this.output;
    const accepted = this.output.push(text);
    if ((this.output.shed !== shed || this.output.refused !== refused) && !this.overflowFrom) {
      this.overflowFrom = { shed, refused };
      this.events.backlog?.("warning", `output backlog full (${this.output.bytes} bytes queued): shedding heartbeats and STATUS:, refusing requests`);
    }
    this.pump();
    return accepted;
  }

  /** Hand the oldest queued output to the driver, one chunk at a time. */
  private pump(): void {
    const stream = this.stream;
    if (this.writing || !stream?.isOpen) return;
    const chunk = this.output.take(CHUNK_BYTES);
    if (chunk === undefined) return this.backlogCleared();
    this.writing = true;
    stream.write(Buffer.from(chunk, "latin1"), () => {
      if (this.stream !== stream) return;
      this.writing = false;
      this.pump();
    });
  }

  private backlogCleared(): void {
    const from = this.overflowFrom;
    if (!from) return;
    this.overflowFrom = undefined;
    const shed = this.output.shed - from.shed;
    const refused = this.output.refused - from.refused;
    this.events.backlog?.("notice", `output backlog cleared: ${shed} heartbeat/STATUS: lines shed, ${refused} lines refused meanwhile`);
  }

  /** Discard input and output waiting in the driver (tcflush), and any partial line. */
  async flush(): Promise<boolean> {
    const stream = this.stream;
    if (!stream?.isOpen) return false;
    this.output.clear();
    const flushed = await new Promise<boolean>((done) => stream.flush((error) => done(!error)));
    this.framer.reset();
    return flushed;
  }

  /** Stop retrying; let queued output go out for up to drainMs, then close the device. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    this.retryTimer?.cancel();
    await this.opening;
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    if (stream.isOpen) {
      // Everything still queued goes to the driver now, for the drain below.
      for (let chunk = this.output.take(65536); chunk !== undefined; chunk = this.output.take(65536)) {
        stream.write(Buffer.from(chunk, "latin1"));
      }
      let timer: Timer | undefined;
      const timeout = new Promise<void>((done) => {
        timer = this.options.scheduler.after(drainMs, done);
      });
      await Promise.race([drained(stream), timeout]);
      timer?.cancel();
    }
    if (stream.isOpen) await new Promise<void>((done) => stream.close(() => done()));
    stream.destroy();
  }

  private attach(stream: Stream): void {
    this.stream = stream;
    this.writing = false;
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
    // Output for the old connection is stale for the next one.
    this.output.clear();
    this.overflowFrom = undefined;
    const dropped = this.framer.reset();
    if (dropped > 0) this.events.junk(`partial line of ${dropped} bytes dropped: port went down`);
    this.down(error ? reasonOf(error) : "port closed");
  }

  private down(reason: string): void {
    if (this.closed) return;
    this.report(false, reason);
    this.retryTimer?.cancel();
    // Retrying alone must not keep a process alive that is otherwise done (the system scheduler's timers are unref'd).
    this.retryTimer = this.options.scheduler.after(this.options.retryMs, () => {
      this.retryTimer = undefined;
      void this.connect();
    });
  }

  private report(up: boolean, reason: string): void {
    if (this.reported === up) return;
    const first = this.reported === undefined;
    this.reported = up;
    this.events.state(up, reason, first);
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
