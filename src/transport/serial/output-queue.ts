// Output waiting for a slow serial line. At 9600 baud a port moves under
// 1 KB/s, so a burst of traffic for it must queue, and the queue must stay
// bounded. When it is full, what goes first is what loses least: heartbeats
// and STATUS: progress lines (the next one supersedes them). Requests and
// other lines are refused (the sender is told) rather than queued without
// bound. DONE:, ERROR: and FATAL: end a command someone is waiting on: they
// are never shed for room, and may use a reserve beyond the bound before
// anything of theirs is refused. Lines leave in the order they came.

/** What may be dropped when the queue is full. */
export enum Priority {
  /** Heartbeats and STATUS: lines: shed first, oldest first. */
  Shed = 0,
  /** Requests, WARNING:, PING...: refused when there is no room. */
  Normal = 1,
  /** DONE:, ERROR:, FATAL:: never shed; refused only past the reserve. */
  Keep = 2,
}

/** The priority of wire text `SRC>DEST body\r` by the first word of its body. */
export function priorityOf(text: string): Priority {
  let i = text.indexOf(" ");
  if (i === -1) return Priority.Shed; // `SRC>DEST\r`: a heartbeat
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  if (i >= text.length || text.charCodeAt(i) === 13) return Priority.Shed;
  const word = text.slice(i, i + 8).toUpperCase();
  if (word.startsWith("STATUS:")) return Priority.Shed;
  if (word.startsWith("DONE:") || word.startsWith("ERROR:") || word.startsWith("FATAL:")) return Priority.Keep;
  return Priority.Normal;
}

/** A FIFO of queued lines with their arrival number, so three of them merge back in order. */
class Fifo {
  private items: Array<{ seq: number; text: string }> = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): { seq: number; text: string } | undefined {
    return this.items[this.head];
  }

  push(seq: number, text: string): void {
    this.items.push({ seq, text });
  }

  shift(): { seq: number; text: string } | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    // Compact now and then so a long-lived queue does not keep dead slots.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class OutputQueue {
  /** Bytes queued. */
  bytes = 0;
  /** Heartbeat and STATUS: lines dropped for room since start. */
  shed = 0;
  /** Lines refused (write() said false) since start. */
  refused = 0;
  private readonly queues = [new Fifo(), new Fifo(), new Fifo()] as const;
  /** Bytes of heartbeat and STATUS: lines queued: what shedding can free. */
  private shedBytes = 0;
  private seq = 0;

  constructor(
    /** Bytes beyond which heartbeats and STATUS: lines are shed and other lines refused. */
    readonly maxBytes: number,
    /** DONE:/ERROR:/FATAL: lines may fill the queue up to this many bytes. */
    readonly reserveBytes = maxBytes * 4,
  ) {}

  /** Queue one message. False when it is refused; a shed heartbeat or STATUS: line counts as taken. */
  push(text: string): boolean {
    const priority = priorityOf(text);
    const size = text.length;
    const over = this.bytes + size - this.maxBytes;
    // Shed only when that makes room (or for a DONE:/ERROR:/FATAL:, which sheds what it can first).
    if (over > 0 && (over <= this.shedBytes || priority === Priority.Keep)) this.shedFor(over);
    const limit = priority === Priority.Keep ? this.reserveBytes : this.maxBytes;
    if (this.bytes + size > limit) {
      if (priority === Priority.Shed) this.shed++;
      else this.refused++;
      return priority === Priority.Shed;
    }
    this.queues[priority].push(this.seq++, text);
    this.bytes += size;
    if (priority === Priority.Shed) this.shedBytes += size;
    return true;
  }

  /** The oldest lines, at least one, up to maxChunk bytes, as one string; undefined when empty. */
  take(maxChunk: number): string | undefined {
    let out: string | undefined;
    for (;;) {
      const queue = this.oldest();
      const item = queue?.peek();
      if (!queue || !item) return out;
      if (out !== undefined && out.length + item.text.length > maxChunk) return out;
      queue.shift();
      this.bytes -= item.text.length;
      if (queue === this.queues[Priority.Shed]) this.shedBytes -= item.text.length;
      out = out === undefined ? item.text : out + item.text;
    }
  }

  /** Drop everything (FLUSH, port lost); the number of lines dropped. */
  clear(): number {
    const n = this.queues.reduce((sum, q) => sum + q.size, 0);
    for (const q of this.queues) q.clear();
    this.bytes = 0;
    this.shedBytes = 0;
    return n;
  }

  private oldest(): Fifo | undefined {
    let best: Fifo | undefined;
    for (const q of this.queues) {
      const seq = q.peek()?.seq;
      if (seq !== undefined && (best === undefined || seq < (best.peek()?.seq ?? Number.POSITIVE_INFINITY))) best = q;
    }
    return best;
  }

  private shedFor(need: number): void {
    const shed = this.queues[Priority.Shed];
    let freed = 0;
    while (freed < need) {
      const item = shed.shift();
      if (!item) return;
      freed += item.text.length;
      this.bytes -= item.text.length;
      this.shedBytes -= item.text.length;
      this.shed++;
    }
  }
}
