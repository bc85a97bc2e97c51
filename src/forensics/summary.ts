// What `isis log summary` reports: plain data, the same for the terminal
// report and `--json`. Times are UTC stamps as in the log, with a `Z`; spans
// are in seconds, latencies in ms. Fields are only ever added (version 1).

export interface Summary {
  readonly version: 1;
  /** The server's node name, as the log names it (else the config's). */
  readonly serverId: string;
  readonly range: {
    /** The observing day asked for (CCYYMMDD), or null. */
    readonly night: string | null;
    readonly since: string | null;
    readonly until: string | null;
    readonly files: readonly FileRead[];
  };
  /** Stamps of the first and last entry read in the range. */
  readonly first: string | null;
  readonly last: string | null;
  readonly settings: { readonly staleAfter: number; readonly commandTimeout: number };
  readonly lines: LineCounts;
  /** A few notes the grammar does not know (a newer server's, or damage), with how often each was seen. */
  readonly unknown: readonly { readonly text: string; readonly count: number }[];
  readonly server: ServerSummary;
  /** Each server process seen, oldest first: its counters replayed from the log, named as STATS names them. */
  readonly runs: readonly RunSummary[];
  /** Older runs beyond the thousand kept. */
  readonly runsOmitted: number;
  readonly clients: readonly ClientSummary[];
  /** Per destination and command word, busiest first. */
  readonly commands: readonly CommandSummary[];
  /** The most frequent ERROR:/FATAL: texts, by sender. */
  readonly errors: readonly ErrorSummary[];
  readonly errorsTotal: number;
  readonly input: InputSummary;
  /** What was not delivered, by destination: the server's loss lines (STATS dropped). */
  readonly losses: LossSummary;
  /** Loops through the server cut, by kind (own-socket, own-name, serial-echo). */
  readonly loops: { readonly total: number; readonly kinds: Readonly<Record<string, number>>; readonly first: string | null; readonly last: string | null };
  /** Clients taken out of the host table (each client's removals say who and why). */
  readonly hostTable: { readonly evicted: number; readonly removed: number };
  readonly traffic: { readonly bucketSeconds: number; readonly start: string | null; readonly counts: readonly number[] };
  /** Commands still waiting for their answer at the end of the range (the last run's). */
  readonly inFlightAtEnd: { readonly open: number; readonly late: number; readonly commands: readonly OpenCommandSummary[] };
  readonly gaps: GapSummary;
}

export interface FileRead {
  readonly path: string;
  readonly bytes: number;
  readonly lines: number;
}

export interface LineCounts {
  readonly total: number;
  readonly messages: number;
  readonly notes: number;
  /** Stamped lines that are neither a message nor a known note. */
  readonly unknown: number;
  /** Lines with no stamp that are not a banner. */
  readonly garbage: number;
  /** Times a file was (re)opened (banners). */
  readonly opened: number;
  /** Lines outside --since/--until. */
  readonly skipped: number;
}

export interface ServerSummary {
  readonly starts: number;
  readonly stops: number;
  /** Starts with no shutdown line before them: the previous process crashed or was killed. */
  readonly uncleanStops: number;
  /** Configuration reloads (RESTART, SIGHUP, console). */
  readonly restarts: number;
  readonly restartsRefused: number;
  readonly events: readonly ServerEvent[];
  readonly eventsOmitted: number;
}

export interface ServerEvent {
  readonly at: string;
  /** started, stopped, unclean-stop, restart-requested, restarted, restart-refused, quit-requested, log-off, log-lost, clock-stepped-back */
  readonly event: string;
  readonly detail: string;
}

export interface RunCounters {
  received: number;
  routed: number;
  broadcast: number;
  replied: number;
  malformed: number;
  oversized: number;
  /** Refused for a control byte (or a NUL) inside: not in `malformed`, as STATS has it. */
  controlBytes: number;
  unknownDestination: number;
  /** Every loss line: a datagram that came back, one the kernel would not send, a line a serial port would not take. */
  dropped: number;
  notSent: number;
  unreachable: number;
  refused: number;
  /** Loops cut (`Cut a loop` lines). */
  loops: number;
  /** Dead clients whose slot went to a newcomer. */
  hostsEvicted: number;
  /** Dropped by the flood guard: the `calmed down` and `no longer limited` lines' counts. */
  flooded: number;
  /** Dropped by the kernel in front of the socket: the `overload:` lines' counts. */
  kernelDropped: number;
  completed: number;
  unmatched: number;
  evicted: number;
  inFlight: number;
  late: number;
}

export interface LatencyRow {
  readonly word: string;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface RunSummary {
  /** The start line's stamp; null when the run started before the range. */
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** stopped: a shutdown line; unclean: the next start came with none; running: still going at the end of the range. */
  readonly end: "stopped" | "unclean" | "running";
  readonly stopReason: string | null;
  readonly version: string | null;
  readonly port: string | null;
  /** The log holds all of it: its start is in the range and nothing was lost or switched off. Then counters equal STATS. */
  readonly complete: boolean;
  readonly counters: RunCounters;
  /** Per command word, as STATS's cmdI entries. */
  readonly latency: readonly LatencyRow[];
}

export interface ClientSummary {
  readonly name: string;
  /** udp or serial, from the last `Added`/`moved`/heartbeat line; null if none was seen. */
  readonly transport: "udp" | "serial" | null;
  readonly address: string | null;
  readonly firstHeard: string | null;
  readonly lastHeard: string | null;
  /** Messages from it (heartbeats included). */
  readonly messages: number;
  readonly added: number;
  readonly moves: number;
  /** Silences longer than StaleAfter; `to` null: still silent at the end. */
  readonly silences: readonly { readonly from: string; readonly to: string | null; readonly seconds: number }[];
  readonly silencesOmitted: number;
  /** When datagrams to it came back unreachable (ICMP), until what ended it; `to` null: still so at the end. */
  readonly unreachable: readonly UnreachableSpell[];
  readonly unreachableOmitted: number;
  /** Taken out of the host table: evicted for a newcomer (the table was full), or removed. */
  readonly removals: readonly ClientRemoval[];
  readonly removalsOmitted: number;
}

/** heard: it spoke again; evicted, removed: it left the table; server-started: a new server process forgot it. */
export type UnreachableEnd = "heard" | "evicted" | "removed" | "server-started";

export interface UnreachableSpell {
  readonly from: string;
  readonly to: string | null;
  /** To `to`, or to the end of the range. */
  readonly seconds: number;
  /** As the server said it: `port unreachable`, `host unreachable`... */
  readonly reason: string;
  readonly ended: UnreachableEnd | null;
}

export interface ClientRemoval {
  readonly at: string;
  /** evicted: its slot went to a newcomer; removed: a refused or lapsed monitor's name, or REMOVE. */
  readonly how: "evicted" | "removed";
  /** evicted: `slot K for NEW (ADDR): why`; removed: why, or `REMOVE by NAME`. */
  readonly detail: string;
}

export interface CommandSummary {
  readonly dest: string;
  readonly word: string;
  /** Requests (REQ:, EXEC:, or no type; PING is not a command). */
  readonly count: number;
  /** Final answers: DONE:, or ERROR:/FATAL: from the target or from the server (no route, refused). */
  readonly answered: number;
  readonly errors: number;
  /** Answered only after CommandTimeout without an answer or progress, or still waiting that long at the end. */
  readonly late: number;
  /** Requests with no final answer in the range. */
  readonly unanswered: number;
  /** Of those, still open at the end. */
  readonly open: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly max: number | null;
  readonly lastAnswered: string | null;
}

export interface ErrorSummary {
  readonly from: string;
  readonly text: string;
  readonly count: number;
  readonly first: string;
  readonly last: string;
}

export interface InputSummary {
  readonly malformed: number;
  readonly oversized: number;
  readonly junk: number;
  /** By the refusal's event: `pin` (a Pin), `exec` (ExecAllow), and any a later server adds. */
  readonly refused: Readonly<Record<string, number>>;
  readonly flood: {
    readonly episodes: number;
    /** Datagrams dropped, as the `calmed down` and `no longer limited` lines count them. */
    readonly dropped: number;
    readonly senders: readonly FloodSummary[];
    /** Overloads (`overload:` lines) and the datagrams the kernel dropped in them. */
    readonly overloads: number;
    readonly kernelDropped: number;
  };
}

export interface LossSummary {
  readonly total: number;
  /** Came back unreachable (ICMP). */
  readonly unreachable: number;
  /** The kernel would not send them. */
  readonly notSent: number;
  /** Held by the server: a serial port down or backlogged, the server's own socket. */
  readonly port: number;
  /** Most lost first. */
  readonly destinations: readonly LossDestination[];
  /** Losses to destinations beyond the 1,024 kept. */
  readonly destinationsOmitted: number;
}

export interface LossDestination {
  /** The client names at the address, as the server said them; else the address; `?` when the report named none. */
  readonly dest: string;
  /** The last address they were lost at. */
  readonly address: string | null;
  readonly count: number;
  readonly unreachable: number;
  readonly notSent: number;
  readonly port: number;
  readonly first: string;
  readonly last: string;
  /** How often each reason was given (`port unreachable`, `is down`...). */
  readonly reasons: Readonly<Record<string, number>>;
}

export interface FloodSummary {
  readonly sender: string;
  readonly episodes: number;
  readonly dropped: number;
  readonly first: string;
  readonly last: string;
  /** Limited when the range ended (no `calmed down` line yet). */
  readonly limitedAtEnd: boolean;
}

export interface OpenCommandSummary {
  readonly requester: string;
  readonly target: string;
  readonly word: string;
  readonly sentAt: string;
  readonly age: number;
  readonly late: boolean;
}

export interface GapSummary {
  /** `-LOG` requests: the log was switched off. */
  readonly logOff: number;
  /** Entries the server could not write (its `Runtime log lost` lines). */
  readonly logLost: number;
  /** Stamps that went back by more than a second: the system clock was stepped. */
  readonly clockStepsBack: number;
}
