// Commands in flight: each routed request (REQ:, EXEC:, or a body with no
// type) is open until its target answers DONE:, ERROR: or FATAL: naming the
// same command word (IMPv2.5 §3.4); STATUS:/WARNING: on the way are kept as
// its progress. Bounded: beyond `limit` open commands the oldest is forgotten
// and counted, so agents that never answer cannot grow the server.

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

const keyOf = (requester: string, target: string, word: string): string => `${requester}>${target} ${word}`;

export class InFlight {
  /** Open commands forgotten because the table was full. */
  evicted = 0;
  /** Commands that got their final answer. */
  completed = 0;
  /** Final answers for which no open command matched. */
  unmatched = 0;
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly open = new Map<string, OpenCommand>();

  constructor(private readonly limit = DEFAULT_IN_FLIGHT_LIMIT) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * A request was routed. Asking the same thing again before the answer
   * restarts it: the answer that comes most likely belongs to the newer one.
   * Returns the command evicted to make room, if any.
   */
  request(requester: string, target: string, word: string, exec: boolean, now: number): OpenCommand | undefined {
    const key = keyOf(requester, target, word);
    this.open.delete(key);
    let evicted: OpenCommand | undefined;
    if (this.open.size >= this.limit) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, OpenCommand];
      this.open.delete(oldestKey);
      this.evicted++;
      evicted = oldest;
    }
    this.open.set(key, { requester, target, word, exec, sentAt: now, lastActivity: now, progressCount: 0, progress: undefined });
    return evicted;
  }

  /** `replier` sent STATUS:/WARNING: about `word` to `to`; true if it belongs to an open command. */
  progress(replier: string, to: string, word: string, body: string, now: number): boolean {
    const command = this.open.get(keyOf(to, replier, word));
    if (!command) return false;
    command.lastActivity = now;
    command.progressCount++;
    command.progress = body;
    return true;
  }

  /** `replier` sent the final answer about `word` to `to`: the command leaves the table. */
  finish(replier: string, to: string, word: string, outcome: string, now: number): Completion | undefined {
    const key = keyOf(to, replier, word);
    const command = this.open.get(key);
    if (!command) {
      this.unmatched++;
      return undefined;
    }
    this.open.delete(key);
    this.completed++;
    return { command, outcome, latencyMs: now - command.sentAt };
  }

  /** Open commands, oldest first. */
  list(): OpenCommand[] {
    return [...this.open.values()];
  }

  clear(): number {
    const n = this.open.size;
    this.open.clear();
    return n;
  }
}

/** Quiet for longer than the timeout (ms; 0 = never): no answer and no progress. */
export const isLate = (command: OpenCommand, now: number, timeoutMs: number): boolean =>
  timeoutMs > 0 && now - command.lastActivity > timeoutMs;
