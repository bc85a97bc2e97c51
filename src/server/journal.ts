// Lines for the operator: stdout in daemon mode (the journal under systemd),
// each with a UTC timestamp so they read well in a plain log file too.
import { formatIsoMicros, wallClock } from "../log/timestamp.ts";

export type Journal = (text: string) => void;

export const stdoutJournal: Journal = (text) => {
  process.stdout.write(`${formatIsoMicros(wallClock()).slice(0, 23)} ${text}\n`);
};
