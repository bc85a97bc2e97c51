// Preset UDP ports (UDPPort) that did not answer the start-up PING are PINGed
// again, 1 s later, then 2, 4, 8... up to once a minute, until a message
// comes from that address and port (it is then in the host table). An agent
// started after the server is found without anyone typing HANDSHAKE.
import type { PresetPort } from "../config/server-config.ts";
import { PRESET_ANSWERED, PRESET_SILENT } from "../protocol/log-grammar.ts";
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";

export interface PingerOptions {
  /** Send `IS>AL PING` to host:port. */
  ping: (host: string, port: number) => void;
  /** True once a client has spoken from host:port. */
  answered: (host: string, port: number) => boolean;
  /** A preset answered after retries, or is being retried: for the runtime log. */
  log: (text: string) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Default: the event loop's timers. */
  scheduler?: Scheduler;
}

export class PresetPinger {
  private readonly timers = new Set<Timer>();
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly scheduler: Scheduler;

  constructor(private readonly options: PingerOptions) {
    this.firstDelayMs = options.firstDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  /** Follow these presets from now on (start, RESTART, HANDSHAKE): each not yet heard from is retried. */
  start(presets: readonly PresetPort[]): void {
    this.stop();
    for (const preset of presets) this.schedule(preset, this.firstDelayMs, 1);
  }

  stop(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  /** Presets still being retried. */
  get pending(): number {
    return this.timers.size;
  }

  private schedule(preset: PresetPort, delayMs: number, attempt: number): void {
    // The scheduler's timers never keep a process alive: retrying alone must not keep one that is otherwise done.
    const timer = this.scheduler.after(delayMs, () => {
      this.timers.delete(timer);
      const where = `${preset.host}:${preset.port}`;
      if (this.options.answered(preset.host, preset.port)) {
        if (attempt > 1) this.options.log(PRESET_ANSWERED.format({ address: where, count: attempt - 1 }));
        return;
      }
      this.options.ping(preset.host, preset.port);
      const next = Math.min(delayMs * 2, this.maxDelayMs);
      this.options.log(PRESET_SILENT.format({ address: where, count: attempt + 1, seconds: next / 1000 }));
      this.schedule(preset, next, attempt + 1);
    });
    this.timers.add(timer);
  }
}
