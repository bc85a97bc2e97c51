// What the server wrote to each serial port lately, so that a line coming
// back on the same port (a device with local echo on, a loopback plug) is
// known for an echo and dropped, instead of being routed again: it would
// move its sender's route to the tty and circle at line rate.

/** Lines remembered per port. */
const LINES = 32;
/**
 * How long a written line can come back as an echo: the output queue can
 * hold about 17 s of a stuck 9600-baud port, and the echo comes when the
 * line has been transmitted.
 */
const ECHO_MS = 30_000;

interface Ring {
  readonly lines: string[];
  readonly times: number[];
  next: number;
}

export class SerialEchoes {
  private readonly rings = new Map<number, Ring>();

  /** `text` (with its `\r`) was written to port `index` at `now`. */
  wrote(index: number, text: string, now: number): void {
    let ring = this.rings.get(index);
    if (ring === undefined) {
      ring = { lines: [], times: [], next: 0 };
      this.rings.set(index, ring);
    }
    ring.lines[ring.next] = text.endsWith("\r") ? text.slice(0, -1) : text;
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % LINES;
  }

  /** Is `line` (terminator stripped) one the server wrote to port `index` in the last ECHO_MS? */
  isEcho(index: number, line: string, now: number): boolean {
    const ring = this.rings.get(index);
    if (ring === undefined) return false;
    for (let i = 0; i < ring.lines.length; i++) {
      if (ring.lines[i] === line && now - (ring.times[i] as number) <= ECHO_MS) return true;
    }
    return false;
  }
}
