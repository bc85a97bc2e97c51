// What the running server tells systemd (Type=notify, sd-notify.ts): READY=1
// with the status line once it serves, the watchdog's pings from the event
// loop itself (a hung loop stops them and systemd restarts the service), the
// status line kept live (live-status.ts), and STOPPING=1 at shutdown.
import type { Scheduler, Timer } from "../shared/scheduler.ts";
import { LiveStatus } from "./live-status.ts";
import type { SystemdNotifier } from "./sd-notify.ts";

export class SystemdLink {
  private readonly live: LiveStatus;
  private watchdog: Timer | undefined;

  constructor(
    private readonly notifier: SystemdNotifier,
    private readonly scheduler: Scheduler,
  ) {
    this.live = new LiveStatus((text) => notifier.status(text));
  }

  /** Serving: READY=1 with the status line, then the watchdog's pings. */
  ready(status: string): void {
    this.notifier.ready(status);
    this.live.sentWith(status, this.scheduler.now());
    const interval = this.notifier.watchdogIntervalMs;
    // systemd requires these pings whatever the load: the one timer that runs on an idle server (WatchdogSec/2).
    if (interval !== undefined) this.watchdog ??= this.scheduler.every(interval, () => this.notifier.watchdog());
  }

  /** The status line is `text` now; returns when to look again if a change was held back (see LiveStatus). */
  status(text: string): number | undefined {
    return this.live.update(text, this.scheduler.now());
  }

  /** Shutdown has begun: no more watchdog pings, and the exit is not a crash. */
  stopping(): void {
    this.watchdog?.cancel();
    this.notifier.stopping();
  }

  close(): void {
    this.notifier.close();
  }
}
