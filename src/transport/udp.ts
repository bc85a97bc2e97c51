// The UDP transport: one IPv4 socket on ServerPort. Each datagram is handed
// up as latin1 text (one char per byte, so lengths are byte counts) with the
// endpoint it came from; replies go back to exactly that address and port.
//
// Bun binds the socket and wakes us when datagrams arrive. On Linux the
// datagrams that keep arriving while we work, and everything we send, go
// through batched I/O (udp-batch.ts): one recvmmsg and one sendmmsg per
// batch instead of Bun's per-datagram layer. Where that cannot load, Bun's
// API does all of it; the behaviour is the same, only slower.
import type { udp } from "bun";
import { type UdpEndpoint, UdpEndpoints, udpEndpoint } from "../core/endpoint.ts";
import { writeLatin1 } from "../protocol/latin1.ts";
import { BatchSocket, formatIpv4, parseIpv4 } from "./udp-batch.ts";

export type UdpReceiver = (text: string, from: UdpEndpoint) => void;

export type BindResult = { readonly ok: true; readonly transport: UdpTransport } | { readonly ok: false; readonly reason: string };

export interface BindOptions {
  /** Address to bind; the server binds every interface. */
  hostname?: string;
  /** Use batched I/O where it loads (default true); false keeps to Bun's API. */
  batched?: boolean;
}

/**
 * Batches read in a row before the event loop gets a turn: timers, serial
 * ports and the log are never kept waiting behind a flood for more than
 * this many RECEIVE_SLOTS datagrams.
 */
const READS_PER_TURN = 8;

/** Addresses remembered as numbers for batched sends; a sender rotating addresses cannot grow it. */
const MAX_REMEMBERED_ADDRESSES = 4096;

export class UdpTransport {
  /** Datagrams the kernel would not take (buffer full, bad address). */
  sendFailures = 0;
  /**
   * Reports of ICMP errors for earlier datagrams (a peer's port closed). One
   * error can be reported twice: to a batched read and to Bun.
   */
  get peerErrors(): number {
    return this.icmpErrors + (this.batch?.refused ?? 0);
  }
  private icmpErrors = 0;

  /** Why batched I/O is not in use, if it is not (shown in the server's start-up notes). */
  readonly batchProblem: string | undefined;

  private readonly peers = new UdpEndpoints();
  /** Endpoints by address number * 65536 + port, for datagrams read in batches. */
  private readonly peersByNumber = new Map<number, UdpEndpoint>();
  private readonly addressNumbers = new Map<string, number>();

  /**
   * Datagrams queued while batched I/O is not in use: encoded side by side
   * into this one buffer, sent with one sendMany and reused from the start.
   */
  private readonly outBuffer = Buffer.allocUnsafe(65536);
  private queue: Array<Buffer | number | string> = [];
  private queuedBytes = 0;

  /** The end of this event-loop turn is scheduled (endTurn). */
  private turnScheduled = false;
  /** A datagram went out this turn: the next ones wait for its end. */
  private sentThisTurn = false;
  private closed = false;
  private readonly endTurnSoon = () => this.endTurn();
  private readonly fromBatch = (text: string, ipv4: number, port: number) => this.receive(text, this.endpointOf(ipv4, port));

  private constructor(
    private readonly socket: udp.Socket<"buffer">,
    private readonly receive: UdpReceiver,
    private readonly batch: BatchSocket | undefined,
    batchProblem: string | undefined,
  ) {
    this.batchProblem = batchProblem;
  }

  /** Bind port (0 = any free port) on options.hostname, else every interface. A failure is a reason, not an exception. */
  static async bind(port: number, receive: UdpReceiver, options: BindOptions = {}): Promise<BindResult> {
    let transport: UdpTransport | undefined;
    let socket: udp.Socket<"buffer">;
    try {
      socket = await Bun.udpSocket({
        hostname: options.hostname ?? "0.0.0.0",
        port,
        socket: {
          data(_socket, data, fromPort, fromAddress) {
            const text = data.toString("latin1");
            if (transport) transport.arrived(text, fromAddress, fromPort);
            else receive(text, udpEndpoint(fromAddress, fromPort));
          },
          // A datagram to a closed port comes back as ICMP "port unreachable",
          // which Bun reports here (ECONNREFUSED on the error queue). An agent
          // that is down must never take the server with it: count and go on.
          // Bun 1.4 passes the error first, whatever its type declarations say.
          error(...args: unknown[]) {
            if (transport) transport.icmpErrors++;
            void args;
          },
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === "EADDRINUSE" ? "address already in use" : code === "EACCES" ? "permission denied" : String(error);
      return { ok: false, reason: `cannot bind UDP port ${port}: ${why}` };
    }
    const batch = options.batched === false ? "turned off" : BatchSocket.attach(socket.hostname, socket.port);
    transport = typeof batch === "string" ? new UdpTransport(socket, receive, undefined, batch) : new UdpTransport(socket, receive, batch, undefined);
    return { ok: true, transport };
  }

  get port(): number {
    return this.socket.port;
  }

  /** Whether sends and the reads after a wake-up go through batched I/O. */
  get batched(): boolean {
    return this.batch !== undefined;
  }

  /** Datagrams read in batches (the rest, Bun read), since start. */
  get batchedReads(): number {
    return this.batch?.received ?? 0;
  }

  /** A datagram Bun read: more may follow it, to be read in batches at the end of the turn. */
  private arrived(text: string, address: string, port: number): void {
    if (this.batch && !this.turnScheduled) this.scheduleTurnEnd();
    this.receive(text, this.peers.of(address, port));
  }

  private scheduleTurnEnd(): void {
    this.turnScheduled = true;
    setImmediate(this.endTurnSoon);
  }

  private endpointOf(ipv4: number, port: number): UdpEndpoint {
    const key = ipv4 * 65536 + port;
    const known = this.peersByNumber.get(key);
    if (known !== undefined) return known;
    if (this.peersByNumber.size >= MAX_REMEMBERED_ADDRESSES) this.peersByNumber.clear();
    const endpoint = this.peers.of(formatIpv4(ipv4), port);
    this.peersByNumber.set(key, endpoint);
    return endpoint;
  }

  private addressNumber(address: string): number {
    let value = this.addressNumbers.get(address);
    if (value === undefined) {
      if (this.addressNumbers.size >= MAX_REMEMBERED_ADDRESSES) this.addressNumbers.clear();
      value = parseIpv4(address);
      this.addressNumbers.set(address, value);
    }
    return value;
  }

  /**
   * The first datagram of an event-loop turn goes out at once (a lone
   * request waits for nothing); the rest of the turn's are queued and go out
   * together at its end. Measured under isisload: more routed messages per
   * second than one send each, with the round trip at window 1 unchanged.
   */
  send(address: string, port: number, text: string): boolean {
    if (this.closed) return false;
    if (!this.turnScheduled) this.scheduleTurnEnd();
    const first = !this.sentThisTurn;
    this.sentThisTurn = true;
    const batch = this.batch;
    const ipv4 = batch ? this.addressNumber(address) : -1;
    if (batch && ipv4 !== -1) {
      if (!batch.queue(ipv4, port, text)) {
        this.sendBatch();
        if (!batch.queue(ipv4, port, text)) return this.sendOne(address, port, text);
      }
      if (first) this.sendBatch();
      return true;
    }
    if (first) return this.sendOne(address, port, text);
    if (this.queuedBytes + text.length > this.outBuffer.length) this.sendQueue();
    const start = this.queuedBytes;
    this.queuedBytes += writeLatin1(this.outBuffer, text, start);
    this.queue.push(this.outBuffer.subarray(start, this.queuedBytes), port, address);
    return true;
  }

  /**
   * The end of a turn: send what it queued, then read what arrived meanwhile
   * in batches, sending the replies of each, until nothing is waiting or the
   * event loop is owed a turn.
   */
  private endTurn(): void {
    // Closed meanwhile (by us, or by Bun after an error): the descriptor may already be someone else's.
    if (this.socket.closed) this.closed = true;
    if (this.closed) return;
    let more = false;
    try {
      this.sendQueue();
      more = this.readBatches();
    } finally {
      // Even if handling a datagram threw, the next datagram starts a fresh turn.
      if (more) setImmediate(this.endTurnSoon);
      else this.turnEnded();
    }
  }

  /** Read and answer batches; true if more may be waiting after READS_PER_TURN of them. */
  private readBatches(): boolean {
    const batch = this.batch;
    if (!batch) return false;
    // Replies to what is read here go out together, after each batch.
    this.sentThisTurn = true;
    for (let read = 0; read < READS_PER_TURN; read++) {
      this.sendBatch();
      // A datagram of the last batch may have shut the server down.
      if (this.closed || batch.receive(this.fromBatch) === 0) return false;
    }
    this.sendBatch();
    return true;
  }

  private turnEnded(): void {
    this.turnScheduled = false;
    this.sentThisTurn = false;
  }

  private sendBatch(): void {
    const batch = this.batch;
    if (!batch || batch.queued === 0 || this.closed) return;
    const outcome = batch.sendQueued();
    this.sendFailures += outcome.failed;
    this.icmpErrors += outcome.refused;
  }

  private sendOne(address: string, port: number, text: string): boolean {
    const data = Buffer.from(text, "latin1");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (this.socket.send(data, port, address)) return true;
        break;
      } catch {
        // See sendQueue: the report of an earlier ICMP error displaced this send.
        this.icmpErrors++;
      }
    }
    this.sendFailures++;
    return true;
  }

  /** Send what Bun's API has queued. */
  private sendQueue(): void {
    let pending = this.queue;
    if (pending.length === 0) return;
    this.queue = [];
    this.queuedBytes = 0;
    for (let attempt = 0; pending.length > 0 && attempt < 3; attempt++) {
      try {
        const sent = this.socket.sendMany(pending);
        if (sent * 3 >= pending.length) return;
        // The kernel took only part of the batch (its buffer is full): try the rest once more.
        pending = pending.slice(sent * 3);
      } catch {
        // An ICMP error from an earlier datagram (another peer's closed port)
        // is reported by the next send, which is then not sent. Reporting it
        // clears it, so the retry delivers the batch.
        this.icmpErrors++;
      }
    }
    this.sendFailures += pending.length / 3;
  }

  /** Send what is queued, then close; later sends are refused. */
  close(): void {
    if (this.closed) return;
    this.sendQueue();
    this.sendBatch();
    this.closed = true;
    this.socket.close();
  }
}
