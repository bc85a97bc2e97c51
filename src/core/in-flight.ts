// Commands in flight: each routed request (REQ:, EXEC:, or a body with no
// type) is open until its target answers DONE:, ERROR: or FATAL: naming the
// same command word (IMPv2.5 §3.4); STATUS:/WARNING: on the way are kept as
// its progress. The same request may be open several times (a client that
// pipelines): answers are matched oldest first. A repeat of a request that is
// already late replaces it instead, as that is a retry of a lost one.
// Bounded: beyond `limit` open commands the oldest is forgotten and counted,
// so agents that never answer cannot grow the server.

export interface OpenCommand {
  /** Who asked. */
  readonly requester: string;
  /** Who was asked. */
  readonly target: string;
  /** The command word, upper case. */
  readonly word: string;
  readonly exec: boolean;
  /** Clock ms when the request was routed. */
  readonly sentAt: number;
  /** Clock ms of the last STATUS:/WARNING: for it, or sentAt. */
  lastActivity: number;
  /** STATUS:/WARNING: replies seen so far. */
  progressCount: number;
  /** The last progress body, as received. */
  progress: string | undefined;
}

export interface Completion {
  readonly command: OpenCommand;
  /** DONE, ERROR or FATAL. */
  readonly outcome: string;
  readonly latencyMs: number;
}

export const DEFAULT_IN_FLIGHT_LIMIT = 256;

/** Quiet for longer than the timeout (ms; 0 = never): no answer and no progress. */
export const isLate = (command: OpenCommand, now: number, timeoutMs: number): boolean =>
  timeoutMs > 0 && now - command.lastActivity > timeoutMs;

const keyOf = (requester: string, target: string, word: string): string => `${requester}>${target} ${word}`;

export class InFlight {
  /** Open commands forgotten because the table was full. */
  evicted = 0;
  /** Commands that got their final answer. */
  completed = 0;
  /** Final answers for which no open command matched. */
  unmatched = 0;
  /** Every open command, oldest first (a Set keeps insertion order). */
  private readonly byAge = new Set<OpenCommand>();
  /** The open commands of each `REQUESTER>TARGET WORD`, oldest first. */
  private readonly byKey = new Map<string, OpenCommand[]>();

  constructor(private readonly limit = DEFAULT_IN_FLIGHT_LIMIT) {}

  get size(): number {
    return this.byAge.size;
  }

  /** A request was routed. Returns the command evicted to make room, if any. */
  request(requester: string, target: string, word: string, exec: boolean, now: number, timeoutMs: number): OpenCommand | undefined {
    const key = keyOf(requester, target, word);
    const same = this.byKey.get(key);
    if (same) for (const c of same.filter((c) => isLate(c, now, timeoutMs))) this.remove(key, c);
    let evicted: OpenCommand | undefined;
    if (this.byAge.size >= this.limit) {
      evicted = this.byAge.values().next().value as OpenCommand;
      this.remove(keyOf(evicted.requester, evicted.target, evicted.word), evicted);
      this.evicted++;
    }
    const command: OpenCommand = { requester, target, word, exec, sentAt: now, lastActivity: now, progressCount: 0, progress: undefined };
    this.byAge.add(command);
    const list = this.byKey.get(key);
    if (list) list.push(command);
    else this.byKey.set(key, [command]);
    return evicted;
  }

  /** `replier` sent STATUS:/WARNING: about `word` to `to`; true if it belongs to an open command (the oldest). */
  progress(replier: string, to: string, word: string, body: string, now: number): boolean {
    const command = this.byKey.get(keyOf(to, replier, word))?.[0];
    if (!command) return false;
    command.lastActivity = now;
    command.progressCount++;
    command.progress = body;
    return true;
  }

  /** `replier` sent the final answer about `word` to `to`: the oldest such command leaves the table. */
  finish(replier: string, to: string, word: string, outcome: string, now: number): Completion | undefined {
    const key = keyOf(to, replier, word);
    const command = this.byKey.get(key)?.[0];
    if (!command) {
      this.unmatched++;
      return undefined;
    }
    this.remove(key, command);
    this.completed++;
    return { command, outcome, latencyMs: now - command.sentAt };
  }

  /** Open commands, oldest first. */
  list(): OpenCommand[] {
    return [...this.byAge];
  }

  clear(): number {
    const n = this.byAge.size;
    this.byAge.clear();
    this.byKey.clear();
    return n;
  }

  private remove(key: string, command: OpenCommand): void {
    this.byAge.delete(command);
    const list = this.byKey.get(key);
    if (!list) return;
    const i = list.indexOf(command);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.byKey.delete(key);
  }
}
