// A core wired to recording stand-ins: the core has no I/O, so its tests
// need no sockets; the e2e tests cover the real transports.
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from "../../src/config/server-config.ts";
import { IsisCore } from "../../src/core/isis-core.ts";
import type { RestartResult, SerialPortInfo, ServerControl } from "../../src/core/ports.ts";
import { type Endpoint, udpEndpoint } from "../../src/shared/endpoint.ts";
import type { Priority } from "../../src/shared/priority.ts";

export interface Sent {
  to: string;
  text: string;
}

/** `clockStepMs`: each read of the clock advances it by this much (0: it moves only with advance()). */
export function makeCore(overrides: Partial<ServerConfig> = {}, { clockStepMs = 0 } = {}) {
  const sent: Sent[] = [];
  const logged: string[] = [];
  /** The stamp of each logged entry: the time it was given, else the clock's when it was written. */
  const stamps: number[] = [];
  const notices: string[] = [];
  /** Times the core asked for an early tick (events.wake). */
  let wakes = 0;
  /** The same notices with the priority the journal gets them at. */
  const ranked: Array<{ priority: Priority; text: string }> = [];
  const toServer: string[] = [];
  let now = Date.UTC(2025, 8, 15, 14, 3, 22, 123) + 0.456;
  const serial: SerialPortInfo[] = [];
  const flushed: number[] = [];
  let quits = 0;
  let logging = true;
  /** What the server would do when a client is added, moves or is removed (the state file): a test sets it. */
  const hooks = { hostsChanged: () => {} };
  let nextConfig: RestartResult = { ok: true, config: { ...DEFAULT_SERVER_CONFIG, ...overrides } };
  const control: ServerControl = {
    rcFile: "/etc/isis.ini",
    cli: false,
    hostAddr: () => "testhost:6600",
    // The server's own socket: port 6600 on loopback or 0.0.0.0.
    isOwnEndpoint: (e) => e.port === 6600 && (e.ipv4 >>> 24 === 127 || e.ipv4 === 0),
    logFile: () => "/logs/isis.20250915.log",
    logging: () => logging,
    // No file behind this log: nothing to check, nothing wrong (test/log and the e2e tests have real files).
    checkLog: () => undefined,
    setLogging: (on) => {
      logging = on;
    },
    serialPorts: () => serial,
    flushSerial: (i) => {
      if (!serial[i]?.up) return false;
      flushed.push(i);
      return true;
    },
    logHealth: () => ({ lost: 0, down: undefined }),
    intakeLosses: () => ({ flooded: 0, kernelDropped: 0 }),
    reloadConfig: async () => nextConfig,
    quit: () => {
      quits++;
    },
  };
  const core = new IsisCore({
    config: { ...DEFAULT_SERVER_CONFIG, ...overrides },
    outbox: {
      send(to: Endpoint, text: string) {
        if (to.kind === "serial" && !serial[to.index]?.up) return false;
        sent.push({ to: to.kind === "udp" ? `${to.address}:${to.port}` : `tty${to.index}`, text });
        return true;
      },
    },
    events: {
      log: (t, at) => {
        logged.push(t);
        // As the runtime log does: an entry given no time takes the clock's.
        if (at === undefined) now += clockStepMs;
        stamps.push(at ?? now);
      },
      notice: (priority, text) => {
        notices.push(text);
        ranked.push({ priority, text });
      },
      serverMessage: (src, body) => toServer.push(`${src}> ${body}`),
      traffic: () => {},
      wake: () => {
        wakes++;
      },
      hostsChanged: () => hooks.hostsChanged(),
    },
    control,
    clock: () => {
      now += clockStepMs;
      return now;
    },
    exeName: "/usr/local/bin/isis",
    userId: "dts",
  });
  const udp = (port: number) => udpEndpoint("127.0.0.1", port);
  return {
    core,
    hooks,
    sent,
    logged,
    stamps,
    notices,
    ranked,
    toServer,
    serial,
    flushed,
    udp,
    quits: () => quits,
    wakes: () => wakes,
    advance: (ms: number) => {
      now += ms;
    },
    setNextConfig: (r: RestartResult) => {
      nextConfig = r;
    },
    /**
     * Let the core's asynchronous answers finish (RESTART awaits the reload,
     * QUIT runs in a microtask). The fixture does no I/O and sets no timer, so
     * they settle within the microtask queue, which is empty before
     * setImmediate's callback runs: an end to wait for, not a time.
     */
    settled: () => new Promise<void>((resolve) => setImmediate(resolve)),
    /** Receive from a UDP port and return what was sent in response. */
    from(port: number, raw: string): Sent[] {
      const before = sent.length;
      core.receive(raw, udp(port));
      return sent.slice(before);
    },
  };
}
