// An in-memory serial binding: the BindingInterface @serialport/stream takes
// (as the termios binding implements it over a tty), with devices a test
// plugs in, feeds, stalls and pulls out. The serial stack's logic (framing
// across reads, reconnects, the output backlog, the drain at close) runs on
// it with no tty and, with a ManualScheduler, no timer of its own; the pty
// tests run the same stack on the real binding.
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus } from "@serialport/bindings-interface";
import { canceledError, SerialError } from "../../src/transport/serial/errors.ts";
import { Changes } from "./wait.ts";

/** One device: what the client sends the port (send), and what the port wrote (written). */
export class MemoryDevice {
  /** Every byte the port wrote, latin1. */
  written = "";
  /** Bytes sent to the port, not yet read by it. */
  input: Uint8Array[] = [];
  /** While true, writes are taken but not transmitted (a stuck line): they complete when it is set false. */
  private stalledFlag = false;
  /** The port open on it, if any. */
  port: MemoryPort | undefined;
  /** Notified on every change (bytes sent or written, open, close, stalled): what a test waits on with waitUntil. */
  readonly changed = new Changes();
  /** The port's reads, writes and drains waiting for a change. */
  private readonly waiters = new Set<() => void>();

  constructor(readonly path: string) {}

  /** The client sends bytes (latin1 text or raw); one call is one read's worth for the port. */
  send(data: string | Uint8Array): void {
    this.input.push(typeof data === "string" ? Buffer.from(data, "latin1") : data);
    this.notify();
  }

  /** Something changed: waiting reads, writes and drains look again, and so do waiting tests. */
  notify(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
    this.changed.notify();
  }

  /** Resolves at the next change. */
  nextChange(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.add(resolve));
  }

  get stalled(): boolean {
    return this.stalledFlag;
  }

  set stalled(on: boolean) {
    this.stalledFlag = on;
    this.notify();
  }
}

export class MemoryPort implements BindingPortInterface {
  isOpen = true;
  /** Set when the device was pulled out: pending and later calls fail as a vanished adapter's do. */
  private gone: SerialError | undefined;

  constructor(
    readonly device: MemoryDevice,
    readonly openOptions: Required<OpenOptions>,
  ) {}

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      this.check();
      const chunk = this.device.input[0];
      if (chunk !== undefined) {
        const n = Math.min(length, chunk.length);
        buffer.set(chunk.subarray(0, n), offset);
        if (n === chunk.length) this.device.input.shift();
        else this.device.input[0] = chunk.subarray(n);
        this.device.notify();
        return { buffer, bytesRead: n };
      }
      await this.device.nextChange();
    }
  }

  async write(buffer: Buffer): Promise<void> {
    this.check();
    while (this.device.stalled) {
      await this.device.nextChange();
      this.check();
    }
    this.device.written += buffer.toString("latin1");
    this.device.notify();
  }

  async drain(): Promise<void> {
    this.check();
    while (this.device.stalled) {
      await this.device.nextChange();
      this.check();
    }
  }

  async flush(): Promise<void> {
    this.check();
    this.device.input = [];
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.device.port === this) this.device.port = undefined;
    this.device.notify();
  }

  async update(): Promise<void> {
    this.check();
  }

  async set(): Promise<void> {
    this.check();
  }

  async get(): Promise<PortStatus> {
    this.check();
    return { cts: true, dsr: true, dcd: true };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.check();
    return { baudRate: this.openOptions.baudRate };
  }

  /** The device was pulled out. */
  vanish(): void {
    this.gone = new SerialError("EIO: Input/output error (read)", "EIO");
    this.device.notify();
  }

  private check(): void {
    if (!this.isOpen) throw canceledError();
    if (this.gone) throw this.gone;
  }
}

export class MemorySerial implements BindingInterface<MemoryPort> {
  private readonly devices = new Map<string, MemoryDevice>();
  /** open() calls, per path, since this binding was made. */
  readonly opens = new Map<string, number>();
  /** Notified on every open() attempt. */
  readonly opened = new Changes();

  /** A device at `path` from now on (an adapter plugged in). */
  plug(path: string): MemoryDevice {
    const device = this.devices.get(path) ?? new MemoryDevice(path);
    this.devices.set(path, device);
    return device;
  }

  /** The device at `path` goes away: its open port fails as a vanished USB adapter's does (EIO), and opening it fails (ENOENT). */
  unplug(path: string): void {
    const device = this.devices.get(path);
    this.devices.delete(path);
    device?.port?.vanish();
  }

  device(path: string): MemoryDevice | undefined {
    return this.devices.get(path);
  }

  async list(): Promise<PortInfo[]> {
    return [...this.devices.keys()].map((path) => ({
      path,
      manufacturer: undefined,
      serialNumber: undefined,
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
    }));
  }

  async open(options: OpenOptions): Promise<MemoryPort> {
    this.opens.set(options.path, (this.opens.get(options.path) ?? 0) + 1);
    this.opened.notify();
    const device = this.devices.get(options.path);
    if (!device) throw new SerialError("ENOENT: No such file or directory (open)", "ENOENT");
    // Exclusive, as the termios binding opens a tty (TIOCEXCL).
    if (device.port?.isOpen) throw new SerialError("EBUSY: Device or resource busy (ioctl TIOCEXCL)", "EBUSY");
    const full: Required<OpenOptions> = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: "none",
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    };
    device.port = new MemoryPort(device, full);
    return device.port;
  }
}
