// One command over UDP: send the request from an ephemeral port, then wait
// for the datagram that ends it. The only I/O in src/client; what a datagram
// means is decided by reply.ts, what is printed by the caller.
import { type Scheduler, systemScheduler, type Timer } from "../shared/scheduler.ts";
import { type Conversation, classifyReply, type Reply } from "./reply.ts";

export type SessionEnd =
  /** A DONE: (kind "done") or ERROR:/FATAL: (kind "failed") reply. */
  | { readonly kind: "answered"; readonly reply: Reply }
  /** Nothing for us within the timeout. */
  | { readonly kind: "timeout" }
  /** The signal was aborted (Ctrl+C). */
  | { readonly kind: "interrupted" }
  /** The host name did not resolve, or the datagram could not be sent. */
  | { readonly kind: "unreachable"; readonly message: string };

export interface SessionOptions {
  readonly host: string;
  readonly port: number;
  /** The request, terminator included. */
  readonly datagram: string;
  readonly conversation: Conversation;
  /**
   * Give up after this long with no reply for us; 0 waits forever. Like the
   * old client, every STATUS: starts the wait again, so a long command that
   * reports progress is not cut off.
   */
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** The idle timeout's clock. Default: the event loop's (the open socket keeps the process waiting). */
  readonly scheduler?: Scheduler;
  /** Progress and ignored datagrams, in order of arrival. */
  readonly onReply: (reply: Reply) => void;
}

export async function runSession(options: SessionOptions): Promise<SessionEnd> {
  const resolved = await resolveHost(options.host);
  if (typeof resolved === "string") return { kind: "unreachable", message: resolved };

  let finish: (end: SessionEnd) => void = () => {};
  const ended = new Promise<SessionEnd>((resolve) => {
    finish = resolve;
  });
  let done = false;
  const clock = options.scheduler ?? systemScheduler;
  let timer: Timer | undefined;
  const end = (result: SessionEnd): void => {
    if (done) return;
    done = true;
    finish(result);
  };
  // A timer longer than MAX_TIMER_MS would fire at once (the delay is a
  // 32-bit count of ms), and scripts do say `-t 99999999`: wait in legs.
  const arm = (deadline: number): void => {
    const left = deadline - clock.now();
    if (left <= 0) return end({ kind: "timeout" });
    timer = clock.after(Math.min(left, MAX_TIMER_MS), () => arm(deadline));
  };
  const restartTimer = (): void => {
    if (options.idleTimeoutMs <= 0) return;
    timer?.cancel();
    arm(clock.now() + options.idleTimeoutMs);
  };
  const onAbort = (): void => end({ kind: "interrupted" });
  const onText = (text: string): void => {
    if (done) return;
    const reply = classifyReply(text, options.conversation);
    if (reply.kind === "done" || reply.kind === "failed") return end({ kind: "answered", reply });
    if (reply.kind === "progress") restartTimer();
    options.onReply(reply);
  };

  let socket: ClientSocket;
  try {
    // ICMP "port unreachable": nothing listens at the server's address and
    // port, so waiting (perhaps forever, with -t 0) would be pointless.
    const onRefused = (): void => end({ kind: "unreachable", message: `no ISIS server is listening at ${options.host}:${options.port} (port unreachable)` });
    socket = await openSocket(resolved.family, onText, onRefused);
  } catch (error) {
    return { kind: "unreachable", message: `cannot open a UDP socket: ${errorText(error)}` };
  }
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort);
  try {
    if (!done) send(socket, options, resolved.address, end);
    restartTimer();
    return await ended;
  } finally {
    timer?.cancel();
    options.signal?.removeEventListener("abort", onAbort);
    socket.close();
  }
}

function send(socket: ClientSocket, options: SessionOptions, address: string, end: (result: SessionEnd) => void): void {
  const where = `${options.host}:${options.port}`;
  try {
    if (!socket.send(options.datagram, options.port, address)) end({ kind: "unreachable", message: `could not send to ${where}` });
  } catch (error) {
    end({ kind: "unreachable", message: `could not send to ${where}: ${errorText(error)}` });
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The server's address and family. An address given as such needs no
 * lookup (nor node:dns, which `isis cmd` would load at every call for it);
 * a name is looked up. A message when it cannot be.
 */
export async function resolveHost(host: string): Promise<{ address: string; family: 4 | 6 } | string> {
  if (IPV4.test(host)) return { address: host, family: 4 };
  // Only an IPv6 address holds a colon (HOST:PORT was split off before).
  if (host.includes(":")) return { address: host, family: 6 };
  try {
    const { lookup } = await import("node:dns/promises");
    const found = await lookup(host);
    return { address: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (error) {
    return `cannot resolve ISIS host '${host}': ${errorText(error)}`;
  }
}

/** The longest delay setTimeout takes as given (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type ClientSocket = Awaited<ReturnType<typeof openSocket>>;

/** The client's socket: the wildcard address of the server's family, a port the OS picks. */
function openSocket(family: number, onText: (text: string) => void, onRefused: () => void) {
  return Bun.udpSocket({
    hostname: family === 6 ? "::" : "0.0.0.0",
    binaryType: "buffer",
    socket: {
      data(_socket, data) {
        // latin1: one byte is one character, whatever the agent sent.
        onText(data.toString("latin1"));
      },
      // Bun reports ICMP errors for our datagram here (without a handler it
      // throws from the event loop and the client dies with a stack trace).
      error() {
        onRefused();
      },
    },
  });
}

const errorText = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
