// Control bytes in text we did not write ourselves (client messages, input
// we refuse) are shown as \xNN: a newline inside a log entry would forge a
// line, and an escape sequence would act on the terminal of whoever reads it.

/** Bytes a terminal or a line-by-line reader would act on: C0 controls and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we look for
const CONTROL = /[\x00-\x1f\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: and what we replace
const CONTROL_ALL = /[\x00-\x1f\x7f]/g;

/** True when `text` has a byte escapeControl would change. */
export const hasControl = (text: string): boolean => CONTROL.test(text);

/** `text` with every C0 control byte and DEL written as `\xNN` (a backslash itself is left as is). */
export const escapeControl = (text: string): string =>
  CONTROL.test(text) ? text.replace(CONTROL_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`) : text;

/** True when `bytes[from, to)` holds a byte escapeControl would change (the runtime log asks it of every entry it writes). */
export function hasControlByte(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b < 32 || b === 127) return true;
  }
  return false;
}
