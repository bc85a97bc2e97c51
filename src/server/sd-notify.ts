// sd_notify(3) without libsystemd: one datagram per state change to the
// AF_UNIX socket systemd names in $NOTIFY_SOCKET. The unit is Type=notify
// with a watchdog, so the server calls
//   ready()     once its UDP socket is bound (systemctl start returns then),
//   watchdog()  every watchdogIntervalMs from the event loop (a hung loop
//               stops the pings and systemd restarts the service),
//   stopping()  when it begins to shut down.
// Sending never throws and never blocks: a lost notification costs a
// restart at worst, while a throw here would take the server down.
import { AF_UNIX, libc, MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, sockaddrUn } from "./sd-notify-libc.ts";

type Env = Readonly<Record<string, string | undefined>>;

export class SystemdNotifier {
  private fd = -1;

  private constructor(
    /** The socket address as given, `/path` or `@abstract`. */
    readonly socketPath: string,
    private readonly addr: { addr: Uint8Array; len: number },
    /** How often to call watchdog(): half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises; undefined without a watchdog. */
    readonly watchdogIntervalMs: number | undefined,
  ) {}

  /**
   * The notifier systemd asked for, or undefined when NOTIFY_SOCKET is unset
   * (not started by systemd) or names no usable AF_UNIX address (e.g. the
   * vsock: form, which a service on the host never gets).
   */
  static fromEnv(env: Env, pid: number): SystemdNotifier | undefined {
    const socketPath = env.NOTIFY_SOCKET;
    if (!socketPath) return undefined;
    const addr = sockaddrUn(socketPath);
    if (!addr) return undefined;
    return new SystemdNotifier(socketPath, addr, watchdogInterval(env, pid));
  }

  /** READY=1 (with an optional STATUS= line): start-up is complete. */
  ready(status?: string): boolean {
    return this.send(status === undefined ? "READY=1" : `READY=1\nSTATUS=${oneLine(status)}`);
  }

  /** WATCHDOG=1: the event loop is alive. */
  watchdog(): boolean {
    return this.send("WATCHDOG=1");
  }

  /** STOPPING=1: shutdown has begun, so the exit is not a crash. */
  stopping(): boolean {
    return this.send("STOPPING=1");
  }

  /** STATUS=text, shown by `systemctl status`. */
  status(text: string): boolean {
    return this.send(`STATUS=${oneLine(text)}`);
  }

  /** Send one raw notification (newline-separated VAR=value lines). false: not delivered. */
  send(state: string): boolean {
    const c = libc();
    if (!c) return false;
    if (this.fd < 0) this.fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (this.fd < 0) return false;
    const bytes = new TextEncoder().encode(state);
    const sent = c.sendto(this.fd, bytes, bytes.length, MSG_DONTWAIT | MSG_NOSIGNAL, this.addr.addr, this.addr.len);
    return Number(sent) === bytes.length;
  }

  close(): void {
    if (this.fd < 0) return;
    libc()?.close(this.fd);
    this.fd = -1;
  }
}

/** Half of WATCHDOG_USEC in ms, if the watchdog is meant for this process (WATCHDOG_PID unset or ours). */
function watchdogInterval(env: Env, pid: number): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (usec <= 0) return undefined;
  const owner = env.WATCHDOG_PID;
  if (owner && owner !== String(pid)) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** A newline would start another VAR= assignment in the datagram. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ");
