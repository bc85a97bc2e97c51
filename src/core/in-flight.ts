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
export const isLate = (command: OpenCommand, now: number, timeoutMs: number): boolean => timeoutMs > 0 && now - command.lastActivity > timeoutMs;

/** How the entries of one `REQUESTER>TARGET WORD` are found: a string by default; a reader of a season of logs may give numbers. */
export type InFlightKey = (requester: string, target: string, word: string) => string | number;

const textKey: InFlightKey = (requester, target, word) => `${requester}>${target} ${word}`;

/** An open command as the table keeps it: its key, and its neighbours in age order. */
interface Entry extends OpenCommand {
  readonly key: string | number;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * Every routed request and answer passes through here, so it allocates only
 * the entry itself: ages are an intrusive list (no Set to hash into), and the
 * entries of one key sit in an array that is almost always one or a few long.
 */
export class InFlight {
  /** Open commands forgotten because the table was full. */
  evicted = 0;
  /** Commands that got their final answer. */
  completed = 0;
  /** Final answers for which no open command matched. */
  unmatched = 0;
  private count = 0;
  private oldest: Entry | undefined;
  private newest: Entry | undefined;
  /** The open commands of each `REQUESTER>TARGET WORD` (by keyOf), oldest first. */
  private readonly byKey = new Map<string | number, Entry[]>();

  constructor(
    private readonly limit = DEFAULT_IN_FLIGHT_LIMIT,
    private readonly keyOf: InFlightKey = textKey,
  ) {}

  get size(): number {
    return this.count;
  }

  /** A request was routed. Returns the command evicted to make room, if any. */
  request(requester: string, target: string, word: string, exec: boolean, now: number, timeoutMs: number): OpenCommand | undefined {
    const key = this.keyOf(requester, target, word);
    let same = this.byKey.get(key);
    if (same && timeoutMs > 0) {
      for (let i = same.length - 1; i >= 0; i--) {
        const c = same[i] as Entry;
        if (isLate(c, now, timeoutMs)) this.remove(c);
      }
      same = this.byKey.get(key);
    }
    let evicted: OpenCommand | undefined;
    if (this.count >= this.limit && this.oldest) {
      evicted = this.oldest;
      this.remove(this.oldest);
      this.evicted++;
      same = this.byKey.get(key);
    }
    const entry: Entry = {
      requester,
      target,
      word,
      exec,
      sentAt: now,
      lastActivity: now,
      progressCount: 0,
      progress: undefined,
      key,
      older: this.newest,
      newer: undefined,
    };
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
    this.count++;
    if (same) same.push(entry);
    else this.byKey.set(key, [entry]);
    return evicted;
  }

  /** `replier` sent STATUS:/WARNING: about `word` to `to`; true if it belongs to an open command (the oldest). */
  progress(replier: string, to: string, word: string, body: string, now: number): boolean {
    const command = this.byKey.get(this.keyOf(to, replier, word))?.[0];
    if (!command) return false;
    command.lastActivity = now;
    command.progressCount++;
    command.progress = body;
    return true;
  }

  /** `replier` sent the final answer about `word` to `to`: the oldest such command leaves the table. */
  finish(replier: string, to: string, word: string, outcome: string, now: number): Completion | undefined {
    const command = this.byKey.get(this.keyOf(to, replier, word))?.[0];
    if (!command) {
      this.unmatched++;
      return undefined;
    }
    this.remove(command);
    this.completed++;
    return { command, outcome, latencyMs: now - command.sentAt };
  }

  /** Open commands, oldest first. */
  list(): OpenCommand[] {
    const open: OpenCommand[] = [];
    for (let e = this.oldest; e; e = e.newer) open.push(e);
    return open;
  }

  clear(): number {
    const n = this.count;
    this.byKey.clear();
    this.oldest = undefined;
    this.newest = undefined;
    this.count = 0;
    return n;
  }

  private remove(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
    this.count--;
    const list = this.byKey.get(entry.key);
    if (!list) return;
    if (list[0] === entry) list.shift();
    else {
      const i = list.indexOf(entry);
      if (i !== -1) list.splice(i, 1);
    }
    if (list.length === 0) this.byKey.delete(entry.key);
  }
}
