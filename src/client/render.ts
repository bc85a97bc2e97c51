// The client's output, byte for byte. Pure: every function returns the text
// to write to stdout. Scripts parse this output, so with escapes off there is
// no colour, no ESC[2K and no bare \r: one line per message.

export interface OutputStyle {
  /** Colours and the updating progress line: stdout is a terminal and NO_COLOR is not set. */
  readonly escapes: boolean;
  /** Terminal width, to keep the progress line on one row (it could not be erased otherwise). */
  readonly columns?: number;
}

/** Escapes only for a terminal, and never when NO_COLOR is set to anything (no-color.org). */
export function chooseStyle(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>, columns?: number): OutputStyle {
  const escapes = isTTY === true && !env.NO_COLOR;
  return escapes ? { escapes, columns } : { escapes };
}

const ERASE_LINE = "\x1b[2K";
const RESET = "\x1b[0m";
const COLOURS = { red: "\x1b[31m", green: "\x1b[32m", cyan: "\x1b[36m" } as const;
export type Colour = keyof typeof COLOURS;

/** A line of its own; on a terminal it first erases a progress line the cursor may sit on. */
export function renderLine(text: string, style: OutputStyle, colour?: Colour): string {
  if (!style.escapes) return `${text}\n`;
  const painted = colour === undefined ? text : `${COLOURS[colour]}${text}${RESET}`;
  return `${ERASE_LINE}${painted}\n`;
}

/** STATUS:/WARNING: and the like: on a terminal one line rewritten in place (ESC[2K, text, \r). */
export function renderProgress(text: string, style: OutputStyle): string {
  if (!style.escapes) return `${text}\n`;
  const width = style.columns !== undefined && style.columns > 1 ? style.columns - 1 : undefined;
  const shown = width !== undefined && text.length > width ? text.slice(0, width) : text;
  return `${ERASE_LINE}${shown}\r`;
}

/** The final DONE: reply, in cyan. */
export const renderDone = (text: string, style: OutputStyle): string => renderLine(text, style, "cyan");

/** A failure, the old client's `*** ` before it, in red: ERROR:/FATAL: replies, timeout, interrupt. */
export const renderFailure = (text: string, style: OutputStyle): string => renderLine(`*** ${text}`, style, "red");

/** The timeout line, in the old client's words. */
export const timeoutText = (command: string, seconds: string): string => `ERROR: Command '${command}' timed out after ${seconds} seconds`;
