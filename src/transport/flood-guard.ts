// Fairness on one UDP socket. The kernel queue in front of the socket is
// shared and first-come: when one sender floods faster than we can read, the
// kernel drops datagrams from everyone alike. What we can do is make the
// flooder's datagrams cheap: past its token bucket they are counted and
// dropped before parsing, logging, routing or replying, so the queue drains
// faster and the others' messages get through.
//
// A bucket is a sending host's (its IPv4 address), shared by all its sockets:
// one host cannot multiply its budget by sending from 256 source ports. The
// agents of one instrument computer share it too, so that one of them
// flooding does not silence the rest, a socket of a limited host that sends
// lightly (at most 5% of the rate) still gets through, for up to 32 sockets
// per host: a limited host gets at most 2.6 times its rate in all.
//
// The buckets only bite while the server is overloaded (the kernel reported
// drops on our socket) and, after that, on the senders found over their rate
// until they calm down. A client that is merely fast (a benchmark, a burst of
// replies) while nobody is losing messages is never limited. While nothing is
// overloaded the guard is idle: `active` is false and costs one check per
// datagram.
import { FLOOD_CALMED, FLOOD_LIFTED, FLOOD_LIMITED } from "../protocol/log-grammar.ts";
import type { Priority } from "../shared/priority.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";

export interface FloodGuardOptions {
  /** Datagrams per second a sender may keep sending while limited. */
  rate: number;
  /** Datagrams a sender may send at once above the rate. */
  burst: number;
  /** A limit started or ended for a sender (journal and log). */
  report: (priority: Priority, text: string) => void;
  /** How long the guard stays armed after the last overload signal. Default 3 s. */
  holdMs?: number;
  /** Sending hosts tracked at once; further ones share one bucket. Default 4096. */
  maxSenders?: number;
  /** Bucket refill period. Default 100 ms. */
  tickMs?: number;
  /** Default: the event loop's timers. */
  scheduler?: Scheduler;
}

interface Sender {
  readonly name: string;
  tokens: number;
  limited: boolean;
  /** Datagrams dropped since this sender was limited. */
  dropped: number;
  /** While its bucket is empty: datagrams this tick per source port, for the light ones to pass. */
  light: Map<number, number> | undefined;
}

/** A socket of a limited host still gets through while it sends at most this share of the rate... */
const LIGHT_SHARE = 0.05;
/** ...for this many sockets per host at a time. */
const LIGHT_SOCKETS = 32;

export class FloodGuard {
  /** True while buckets are being kept: the caller checks this before calling admit(). */
  active = false;
  /** Datagrams dropped since start. */
  dropped = 0;
  /** Times a sender was limited since start. */
  limits = 0;
  /** By sending host (IPv4 address): its sockets share one bucket. */
  private readonly senders = new Map<string, Sender>();
  private readonly others: Sender;
  private timer: Timer | undefined;
  private armedUntil = 0;
  private always = false;
  private readonly holdMs: number;
  private readonly maxSenders: number;
  private readonly tickMs: number;
  private readonly scheduler: Scheduler;
  private rate: number;
  private burst: number;

  constructor(private readonly options: FloodGuardOptions) {
    this.rate = options.rate;
    this.burst = options.burst;
    this.holdMs = options.holdMs ?? 3000;
    this.maxSenders = options.maxSenders ?? 4096;
    this.tickMs = options.tickMs ?? 100;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.others = { name: "other senders", tokens: options.burst, limited: false, dropped: 0, light: undefined };
  }

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** FloodLimit changed (RESTART); 0 turns the guard off. */
  setLimit(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    if (rate > 0) {
      if (this.always) this.activate();
      return;
    }
    this.deactivate();
    this.lift("FloodLimit turned off");
    this.senders.clear();
  }

  /** Senders being limited now. */
  get limitedNow(): number {
    let n = this.others.limited ? 1 : 0;
    for (const s of this.senders.values()) if (s.limited) n++;
    return n;
  }

  /** The kernel dropped datagrams for us: keep buckets (again) for the next holdMs. */
  overloaded(): void {
    if (!this.enabled) return;
    this.armedUntil = this.scheduler.now() + this.holdMs;
    this.activate();
  }

  /** No overload signal can be had (no /proc): keep buckets all the time. */
  armPermanently(): void {
    if (!this.enabled) return;
    this.always = true;
    this.activate();
  }

  /** May this datagram from this host's port go on? Only call while `active`. */
  admit(address: string, port: number): boolean {
    const sender = this.senders.get(address) ?? this.track(address);
    if (sender.tokens >= 1) {
      sender.tokens--;
      return true;
    }
    if (sender !== this.others && this.passesLight(sender, port)) return true;
    if (!sender.limited) {
      sender.limited = true;
      sender.dropped = 0;
      this.limits++;
      this.options.report("warning", FLOOD_LIMITED.format({ sender: sender.name, rate: this.rate }));
    }
    sender.dropped++;
    this.dropped++;
    return false;
  }

  /** Refill buckets; release senders that calmed down; go idle when all is quiet. */
  private tick(now: number): void {
    const add = (this.rate * this.tickMs) / 1000;
    const refill = (s: Sender): boolean => {
      s.tokens = Math.min(this.burst, s.tokens + add);
      if (s.tokens < this.burst) return false;
      // A full bucket: the sender kept under its rate for burst/rate seconds.
      if (s.limited) {
        s.limited = false;
        this.options.report("notice", FLOOD_CALMED.format({ sender: s.name, dropped: s.dropped }));
      }
      return true;
    };
    for (const [address, s] of this.senders) {
      s.light?.clear();
      if (refill(s)) this.senders.delete(address);
    }
    refill(this.others);
    const armed = this.always || now < this.armedUntil || this.senders.size > 0 || this.others.limited;
    if (!armed) this.deactivate();
  }

  /** Stop (the server is stopping): a sender still limited is released, and what its limit cost is said. */
  close(): void {
    this.deactivate();
    this.lift("the server is stopping");
  }

  /** Release every limited sender, saying what each limit cost, so no dropped datagram goes unsaid. */
  private lift(why: string): void {
    for (const s of [...this.senders.values(), this.others]) {
      if (!s.limited) continue;
      s.limited = false;
      this.options.report("notice", FLOOD_LIFTED.format({ sender: s.name, why, dropped: s.dropped }));
    }
  }

  /** A light socket of a host whose bucket is empty: under its share this tick, and one of the first LIGHT_SOCKETS seen. */
  private passesLight(sender: Sender, port: number): boolean {
    if (!sender.light) sender.light = new Map();
    const light = sender.light;
    const sent = light.get(port) ?? 0;
    if (sent === 0 && light.size >= LIGHT_SOCKETS) return false;
    light.set(port, sent + 1);
    return sent < Math.floor((this.rate * LIGHT_SHARE * this.tickMs) / 1000);
  }

  private track(address: string): Sender {
    if (this.senders.size >= this.maxSenders) return this.others;
    const sender: Sender = { name: address, tokens: this.burst, limited: false, dropped: 0, light: undefined };
    this.senders.set(address, sender);
    return sender;
  }

  private activate(): void {
    this.active = true;
    if (this.timer) return;
    this.timer = this.scheduler.every(this.tickMs, () => this.tick(this.scheduler.now()));
  }

  private deactivate(): void {
    this.active = false;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
