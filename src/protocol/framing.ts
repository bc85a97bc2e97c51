// Cuts a byte stream (a serial line) into messages. Pure: bytes in, lines and
// junk reports out, no I/O. The partial line survives between chunks, so a
// message may arrive in any number of pieces and several may share a chunk.
import { escapeControls, isRefusedControl, refusedControlAt } from "./escape.ts";
import { MAX_MESSAGE_BYTES } from "./message.ts";

const CR = 13;
const LF = 10;

/** Where framed lines and dropped junk go. */
export interface LineSink {
  /** One complete line, terminator stripped, decoded latin1 (one char per byte). */
  line(text: string): void;
  /** Input that was dropped, and why, for the log. */
  junk(reason: string): void;
}

/**
 * Splits on `\r`, `\n` or `\r\n` (any run of terminators ends one line; empty
 * lines are skipped silently, which is what makes `\r\n` one terminator).
 * A line holding a NUL or another control byte is junk: on a serial line that
 * is noise, a break, or a byte with a framing error (the termios settings
 * deliver those as NUL), so the whole line is dropped rather than routed
 * half-corrupted. A line longer than the IMPv2 limit is junk too, and the rest
 * of it is discarded up to the next terminator.
 */
export class LineFramer {
  /** Longest line kept, terminator excluded: the limit counts the terminator (IMPv2 §3.1.3). */
  readonly maxLineBytes: number;
  private readonly buffer: Buffer;
  private length = 0;
  /** Discarding the tail of an overlong line until the next terminator. */
  private discarding = false;
  /** First control byte seen in the current line, or -1. */
  private control = -1;

  constructor(
    private readonly sink: LineSink,
    maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    this.maxLineBytes = maxMessageBytes - 1;
    this.buffer = Buffer.allocUnsafe(this.maxLineBytes);
  }

  /** Feed the next chunk as read from the port. */
  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (byte === CR || byte === LF) {
        this.endLine();
        continue;
      }
      if (this.discarding) continue;
      if (this.length === this.maxLineBytes) {
        this.discarding = true;
        this.length = 0;
        this.control = -1;
        this.sink.junk(`line longer than ${this.maxLineBytes} bytes dropped (discarding up to the next terminator)`);
        continue;
      }
      if (this.control < 0 && isRefusedControl(byte)) this.control = byte;
      this.buffer[this.length++] = byte;
    }
  }

  /** Bytes of an unfinished line held back, waiting for its terminator. */
  get pending(): number {
    return this.length;
  }

  /**
   * Forget any unfinished line (the port went down or was flushed).
   * Returns how many bytes were dropped, so the caller can report it.
   */
  reset(): number {
    const dropped = this.length;
    this.length = 0;
    this.discarding = false;
    this.control = -1;
    return dropped;
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const length = this.length;
    if (length === 0) return;
    const control = this.control;
    this.length = 0;
    this.control = -1;
    if (control >= 0) {
      this.sink.junk(`line of ${length} bytes dropped: ${control === 0 ? "NUL byte" : `control byte 0x${hex(control)}`} in it`);
      return;
    }
    this.sink.line(this.buffer.toString("latin1", 0, length));
  }
}

const hex = (byte: number): string => byte.toString(16).padStart(2, "0");

/**
 * Wire text (a message and its `\r`) as exactly one line on a serial port: a
 * CR, LF or other refused control byte before the terminator is escaped. The
 * core hands over no such text (it refuses such input and escapes what it
 * writes itself); this keeps the promise where a second line would be read.
 */
export function asOneLine(text: string): string {
  const last = text.length - 1;
  if (refusedControlAt(text, last) === -1) return text;
  return `${escapeControls(text.slice(0, last))}${text.slice(last)}`;
}
