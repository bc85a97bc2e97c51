// The UDP transport: one IPv4 socket on ServerPort. Each datagram is handed
// up as latin1 text (one char per byte, so lengths are byte counts) with the
// endpoint it came from; replies go back to exactly that address and port.
//
// Bun binds the socket and wakes us when datagrams arrive. The datagrams
// themselves go through a DatagramIO: batched (batch-io.ts) on Linux, Bun's
// API (bun-io.ts) elsewhere or when told. Either way every datagram handed to
// send() is attempted, and what becomes of those that are not delivered is
// reported here, in one place, to the transport's events: the kernel would
// not send one (notSent), or an ICMP error came back for one (unreachable,
// with its destination and text when the socket's error queue says them).

import type { udp } from "bun";
import { ipv4Value, isIPv4, type UdpEndpoint, UdpEndpoints } from "../shared/endpoint.ts";
import { BatchIO } from "./batch-io.ts";
import { BunIO } from "./bun-io.ts";
import { type DatagramIO, EMSGSIZE, errnoReason } from "./datagram-io.ts";
import { ErrorQueue } from "./error-queue.ts";
import { findSocket, loadLibc } from "./socket-ffi.ts";

export interface UdpEvents {
  /** A datagram arrived. */
  received(text: string, from: UdpEndpoint): void;
  /** The kernel would not send `text` to `to`, even after retries: it is lost. */
  notSent(to: UdpEndpoint, text: string, reason: string): void;
  /**
   * An ICMP error came back for a datagram sent to `to` (a closed port, an
   * unreachable host): it was not delivered. `to` is undefined and `payload`
   * empty when Bun read the report first and kept only its errno.
   */
  unreachable(to: UdpEndpoint | undefined, reason: string, payload: string): void;
  /**
   * The kernel dropped datagrams in front of the socket (it was full: the
   * server is overloaded), learnt from the datagrams read in batches
   * (dropsSignalled). Called once per turn that learnt of new drops, with
   * the socket's count of them since it was bound.
   */
  kernelDropped?(total: number): void;
}

export type BindResult = { readonly ok: true; readonly transport: UdpTransport } | { readonly ok: false; readonly reason: string };

export interface BindOptions {
  /** Address to bind; the server binds every interface. */
  hostname?: string;
  /** Use batched I/O where it loads (default true); false keeps datagrams to Bun's API. */
  batched?: boolean;
}

/**
 * Batches read in a row before the event loop gets a turn: timers, serial
 * ports and the log are never kept waiting behind a flood for more than
 * this many batches.
 */
const READS_PER_TURN = 8;

export class UdpTransport {
  /** Where datagrams and reports go once listen() was called; until then what arrives waits in `waiting`. */
  private events: UdpEvents;
  /**
   * Datagrams that arrived before listen(), in order. The server listens in
   * the same turn of the event loop it binds in (opening its serial ports in
   * between takes microtasks, no I/O wait), so none can: were one to, it
   * would be handed over, not lost.
   */
  private readonly waiting: Array<readonly [string, UdpEndpoint]> = [];
  /** Datagrams the kernel would not send, since start. */
  notSent = 0;
  /** Datagrams sent again after an ICMP error for an earlier one displaced them. */
  retried = 0;
  /** ICMP errors reported for datagrams we sent (from the error queue, or by Bun without a destination). */
  unreachable = 0;

  /** The socket's drop count as last seen (batched reads). */
  private kernelDrops = 0;

  /** Why batched I/O is not in use, if it is not (shown in the server's start-up notes). */
  readonly batchProblem: string | undefined;

  /** The end of this event-loop turn is scheduled (endTurn). */
  private turnScheduled = false;
  /** A datagram went out this turn: the next ones wait for its end. */
  private sentThisTurn = false;
  /** Something was sent this turn: its end reads the error queue. */
  private flushedThisTurn = false;
  private closed = false;
  private readonly endTurnSoon = () => this.endTurn();
  private readonly fromBatch = (text: string, ipv4: number, port: number) => {
    // The batch's drop count is known before its datagrams are handed up: a STATS among them says it.
    if ((this.io as BatchIO).kernelDrops !== this.kernelDrops) this.noteDrops(this.io as BatchIO);
    this.events.received(text, this.peers.of(ipv4, port));
  };
  private readonly wait: UdpEvents = {
    received: (text, from) => void this.waiting.push([text, from]),
    // Reports follow sends, and nothing is sent before listen(); they are counted all the same.
    notSent: () => {},
    unreachable: () => {},
  };
  private readonly onNotSent = (ipv4: number, port: number, text: string, errno: number) => {
    this.notSent++;
    this.events.notSent(this.peers.of(ipv4, port), text, errnoReason(errno));
  };
  private readonly onError = (ipv4: number, port: number, errno: number, payload: string) => {
    this.unreachable++;
    this.events.unreachable(this.peers.of(ipv4, port), errnoReason(errno), payload);
  };

  private constructor(
    private readonly socket: udp.Socket<"buffer">,
    private readonly peers: UdpEndpoints,
    private readonly io: DatagramIO,
    private readonly errors: ErrorQueue | undefined,
    batchProblem: string | undefined,
    early: ReadonlyArray<readonly [string, UdpEndpoint]>,
  ) {
    this.batchProblem = batchProblem;
    this.events = this.wait;
    this.waiting.push(...early);
  }

  /**
   * Bind port (0 = any free port) on options.hostname, else every interface.
   * A failure is a reason, not an exception. Datagrams are handed up once
   * listen() says where to: the server binds first, then builds what takes them.
   */
  static async bind(port: number, options: BindOptions = {}): Promise<BindResult> {
    let transport: UdpTransport | undefined;
    const early: Array<readonly [string, UdpEndpoint]> = [];
    const peers = new UdpEndpoints();
    let socket: udp.Socket<"buffer">;
    try {
      socket = await Bun.udpSocket({
        hostname: options.hostname ?? "0.0.0.0",
        port,
        socket: {
          data(_socket, data, fromPort, fromAddress) {
            const text = data.toString("latin1");
            if (transport) transport.arrived(text, fromAddress, fromPort);
            else early.push([text, peers.ofText(fromAddress, fromPort)]);
          },
          // Bun read an ICMP error for an earlier datagram: from the error
          // queue (errqueue: true; it kept only the errno), or as a read's
          // error. Either way the rest of the queue is read now, with
          // destinations. A client that is down never takes the server with it.
          // Bun 1.4 passes the error first, whatever its type declarations say.
          error(...args: unknown[]) {
            transport?.bunReportedError(args[0]);
          },
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === "EADDRINUSE" ? "address already in use" : code === "EACCES" ? "permission denied" : String(error);
      return { ok: false, reason: `cannot bind UDP port ${port}: ${why}` };
    }
    const libc = loadLibc();
    const fd =
      typeof libc === "string"
        ? libc
        : isIPv4(socket.hostname)
          ? findSocket(libc, ipv4Value(socket.hostname), socket.port)
          : `not an IPv4 address: ${socket.hostname}`;
    // The error queue is read wherever libc loads, whichever way datagrams go.
    const errors = typeof libc !== "string" && typeof fd === "number" ? new ErrorQueue(libc, fd) : undefined;
    const batch = options.batched !== false && typeof libc !== "string" && typeof fd === "number" ? new BatchIO(libc, fd) : undefined;
    const problem = batch ? undefined : options.batched === false ? "turned off" : (fd as string);
    transport = new UdpTransport(socket, peers, batch ?? new BunIO(socket), errors, problem, early);
    return { ok: true, transport };
  }

  /** From now on datagrams and what becomes of those sent go to `events`; any that arrived before are handed over first. */
  listen(events: UdpEvents): void {
    this.events = events;
    for (const [text, from] of this.waiting.splice(0)) events.received(text, from);
  }

  get port(): number {
    return this.socket.port;
  }

  /** Whether sends and the reads after a wake-up go through batched I/O. */
  get batched(): boolean {
    return this.io instanceof BatchIO;
  }

  /** Whether kernelDropped() will be called: batched reads on a socket that gives its drop count. */
  get dropsSignalled(): boolean {
    return this.io instanceof BatchIO && this.io.dropsSignalled;
  }

  /** Datagrams read in batches (the rest, Bun read), since start. */
  get batchedReads(): number {
    return this.io instanceof BatchIO ? this.io.received : 0;
  }

  /** A datagram Bun read: more may follow it, to be read in batches at the end of the turn. */
  private arrived(text: string, address: string, port: number): void {
    if (!this.turnScheduled) this.scheduleTurnEnd();
    this.events.received(text, this.peers.ofText(address, port));
  }

  private scheduleTurnEnd(): void {
    this.turnScheduled = true;
    setImmediate(this.endTurnSoon);
  }

  /**
   * Queue one datagram. The first of an event-loop turn goes out at once (a
   * lone request waits for nothing); the rest of the turn's go out together
   * at its end. Measured under isisload: more routed messages per second than
   * one send each, with the round trip at window 1 unchanged. False once closed.
   */
  send(to: UdpEndpoint, text: string): boolean {
    if (this.closed) return false;
    if (!this.turnScheduled) this.scheduleTurnEnd();
    const io = this.io;
    if (!io.queue(to.ipv4, to.address, to.port, text)) {
      this.flush();
      // Longer than the whole send area: never from the core, which sends at most 2048 bytes.
      if (!io.queue(to.ipv4, to.address, to.port, text)) {
        this.onNotSent(to.ipv4, to.port, text, EMSGSIZE);
        return true;
      }
    }
    if (!this.sentThisTurn) {
      this.sentThisTurn = true;
      this.flush();
    }
    return true;
  }

  private flush(): void {
    if (this.io.queued === 0 || this.closed) return;
    // Closed by Bun on its own (after a socket error): the descriptor may already be someone else's.
    if (this.socket.closed) {
      this.closed = true;
      return;
    }
    this.flushedThisTurn = true;
    this.retried += this.io.flush(this.onNotSent);
  }

  /**
   * The end of a turn: send what it queued, read what arrived meanwhile in
   * batches (sending the replies of each) until nothing is waiting or the
   * event loop is owed a turn, then read the error queue: the ICMP errors
   * for what this turn sent, with their destinations, before Bun reads them
   * without. (Read here, between event-loop dispatches, and never from
   * inside one, where Bun may be about to look for the same reports.)
   */
  private endTurn(): void {
    // Closed meanwhile (by us, or by Bun after an error): the descriptor may already be someone else's.
    if (this.socket.closed) this.closed = true;
    if (this.closed) return;
    let more = false;
    try {
      this.flush();
      more = this.readBatches();
      if (this.flushedThisTurn) {
        this.flushedThisTurn = false;
        this.errors?.drain(this.onError);
        // What the reports led to (an ERROR for a lost request's sender) goes now, and its own reports are read next turn.
        if (this.io.queued > 0) {
          this.flush();
          more = true;
        }
      }
    } finally {
      // Even if handling a datagram threw, the next datagram starts a fresh turn.
      if (more) setImmediate(this.endTurnSoon);
      else this.turnEnded();
    }
  }

  /** Read and answer batches; true if more may be waiting after READS_PER_TURN of them. */
  private readBatches(): boolean {
    if (!(this.io instanceof BatchIO)) return false;
    // Replies to what is read here go out together, after each batch.
    this.sentThisTurn = true;
    for (let read = 0; read < READS_PER_TURN; read++) {
      this.flush();
      // A datagram of the last batch may have shut the server down.
      if (this.closed || this.io.receive(this.fromBatch) === 0) return false;
    }
    this.flush();
    return true;
  }

  /**
   * Bring the drop count up to date now (batched I/O: the socket is asked):
   * only datagrams read in batches carry it, and the first of each burst is
   * read by Bun. The events hear of new drops as after a read.
   */
  refreshDrops(): void {
    if (this.closed || !(this.io instanceof BatchIO)) return;
    this.io.refreshDrops();
    if (this.io.kernelDrops !== this.kernelDrops) this.noteDrops(this.io);
  }

  /** New drops said by the batch being handed up (only datagrams queued after a drop carry the count). */
  private noteDrops(io: BatchIO): void {
    this.kernelDrops = io.kernelDrops;
    this.events.kernelDropped?.(io.kernelDrops);
  }

  private turnEnded(): void {
    this.turnScheduled = false;
    this.sentThisTurn = false;
  }

  /** Bun's error callback: count what Bun kept to itself, and read the rest of the error queue with destinations. */
  private bunReportedError(error: unknown): void {
    if (this.closed || this.socket.closed) return;
    const e = error as { errqueue?: unknown; code?: unknown; errno?: unknown } | undefined;
    if (e?.errqueue === true) {
      this.unreachable++;
      const errno = typeof e.errno === "number" ? Math.abs(e.errno) : 0;
      this.events.unreachable(undefined, errno ? errnoReason(errno) : String(e.code ?? "ICMP error"), "");
    }
    this.errors?.drain(this.onError);
  }

  /** Send what is queued, then close; later sends are refused. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket.close();
  }
}
