// The config keywords for access control and survival (issue 8): ExecAllow,
// Pin, StateFile and FloodLimit. Kept apart from the legacy keywords in
// server-config.ts, which hands every line to parse() first. A bad value is
// fatal: a security setting silently skipped would leave the door open.

import { nodeNameProblem } from "../protocol/message.ts";
import { type Network, type PinTarget, parseNetwork, parsePinTarget } from "./access-values.ts";

export interface ReliabilitySettings {
  execAllow: readonly Network[] | undefined;
  pins: ReadonlyMap<string, readonly PinTarget[]>;
  stateFile: string | false | undefined;
  floodRate: number;
  floodBurst: number;
}

type Problem = (message: string, fatal: boolean) => void;

const OFF = new Set(["off", "none", "no"]);

export class ReliabilityKeywords {
  private execAllow: Network[] | undefined;
  private execAny = false;
  private readonly pins = new Map<string, PinTarget[]>();
  private stateFile: string | false | undefined;
  private floodRate: number;
  private floodBurst: number;

  constructor(defaults: Pick<ReliabilitySettings, "floodRate" | "floodBurst">) {
    this.floodRate = defaults.floodRate;
    this.floodBurst = defaults.floodBurst;
  }

  /** Take one config line if its keyword (lower case) is ours; false when it is not. */
  parse(keyword: string, keywordRaw: string, values: readonly string[], problem: Problem): boolean {
    switch (keyword) {
      case "execallow":
        this.parseExecAllow(keywordRaw, values, problem);
        return true;
      case "pin":
        this.parsePin(values, problem);
        return true;
      case "statefile":
        if (values.length !== 1) problem("StateFile needs one path (or 'off')", true);
        else this.stateFile = OFF.has((values[0] as string).toLowerCase()) ? false : (values[0] as string);
        return true;
      case "floodlimit":
        this.parseFloodLimit(values, problem);
        return true;
      default:
        return false;
    }
  }

  result(): ReliabilitySettings {
    return {
      execAllow: this.execAny ? undefined : this.execAllow,
      pins: this.pins,
      stateFile: this.stateFile,
      floodRate: this.floodRate,
      floodBurst: this.floodBurst,
    };
  }

  private parseExecAllow(keywordRaw: string, values: readonly string[], problem: Problem): void {
    if (values.length === 0) return problem(`${keywordRaw} needs networks (like 192.168.139.0/24), 'any' or 'none'`, true);
    this.execAllow ??= [];
    for (const value of values) {
      const word = value.toLowerCase();
      if (word === "any" || word === "all") this.execAny = true;
      else if (OFF.has(word))
        continue; // serial clients only
      else {
        const network = parseNetwork(value);
        if (typeof network === "string") return problem(`ExecAllow: ${network}`, true);
        this.execAllow.push(network);
      }
    }
  }

  private parsePin(values: readonly string[], problem: Problem): void {
    const [nameRaw, ...targets] = values;
    if (nameRaw === undefined || targets.length === 0) return problem("Pin needs 'NAME address[:port]' (or ttyK, or a device path)", true);
    const why = nodeNameProblem(nameRaw);
    if (why) return problem(`Pin: ${why}`, true);
    const name = nameRaw.toUpperCase();
    const list = this.pins.get(name) ?? [];
    for (const text of targets) {
      const target = parsePinTarget(text);
      if (typeof target === "string") return problem(`Pin ${name}: ${target}`, true);
      list.push(target);
    }
    this.pins.set(name, list);
  }

  private parseFloodLimit(values: readonly string[], problem: Problem): void {
    const [rateText = "", burstText] = values;
    if (values.length === 1 && OFF.has(rateText.toLowerCase())) {
      this.floodRate = 0;
      return;
    }
    const rate = /^\d{1,7}$/.test(rateText) ? Number(rateText) : Number.NaN;
    const burst = burstText === undefined ? rate * 2 : /^\d{1,8}$/.test(burstText) ? Number(burstText) : Number.NaN;
    if (values.length > 2 || Number.isNaN(rate) || Number.isNaN(burst) || (rate > 0 && burst < 1)) {
      return problem(`FloodLimit needs 'RATE [BURST]' in datagrams per second (or 'off'), got '${values.join(" ")}'`, true);
    }
    this.floodRate = rate;
    this.floodBurst = burst;
  }
}
