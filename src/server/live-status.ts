// The line `systemctl status isis` shows (sd_notify STATUS=), kept live:
//   IS:6600 · 9 clients, 1 stale (M1.RC) · 0 late
// sent when it changes, and at most every few seconds (a flapping client
// costs one notification per interval, not one per flap).

/** At most one STATUS= per this many ms. */
const STATUS_INTERVAL_MS = 5000;
/** Stale clients named in the line; the rest are counted. */
const MAX_NAMES = 3;

export interface StatusFacts {
  readonly serverId: string;
  readonly port: number;
  readonly clients: number;
  readonly stale: readonly string[];
  readonly late: number;
}

export function statusText(f: StatusFacts): string {
  const names = f.stale.length <= MAX_NAMES ? f.stale.join(" ") : `${f.stale.slice(0, MAX_NAMES).join(" ")} +${f.stale.length - MAX_NAMES}`;
  const stale = f.stale.length === 0 ? "0 stale" : `${f.stale.length} stale (${names})`;
  return `${f.serverId}:${f.port} · ${f.clients} client${f.clients === 1 ? "" : "s"}, ${stale} · ${f.late} late`;
}

export class LiveStatus {
  private sent: string | undefined;
  private sentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: (text: string) => void,
    private readonly intervalMs = STATUS_INTERVAL_MS,
  ) {}

  /**
   * The line is `text` now: send it if it changed and the last one is old
   * enough. Returns when to look again (a change held back), else undefined.
   */
  update(text: string, now: number): number | undefined {
    if (text === this.sent) return undefined;
    const allowedAt = this.sentAt + this.intervalMs;
    if (now < allowedAt) return allowedAt;
    this.send(text);
    this.sent = text;
    this.sentAt = now;
    return undefined;
  }

  /** The line was sent another way (with READY=1). */
  sentWith(text: string, now: number): void {
    this.sent = text;
    this.sentAt = now;
  }
}
