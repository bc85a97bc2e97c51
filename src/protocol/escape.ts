// The one escaper for text that came off the wire: a message body on its way
// to a terminal, a script or the runtime log. Control bytes become `\xNN`, so
// an agent's bytes can neither drive the terminal (ESC ] 0 ; ... retitles
// it, ESC [ 2 J clears it) nor forge a line (`\nDONE: ...` would be matched
// by a script waiting for DONE:). Pure; the callers choose the variant.

/** C0 controls, DEL, and C1 controls (a latin1 byte 0x9b is CSI to some terminals). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what is escaped
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
/** As CONTROLS, keeping newline and tab: for multi-line text a program composed around untrusted parts. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what is escaped
const CONTROLS_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Everything but printable ASCII: for the runtime log, which stays plain ASCII whatever arrives. */
const NON_ASCII = /[^\x20-\x7e]/g;

const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;

export interface EscapeOptions {
  /** Keep `\n` and `\t` (text spanning lines on purpose, e.g. a console table). */
  readonly keepLines?: boolean;
  /** Escape latin1 letters too (0xa0-0xff): the output is printable ASCII only. */
  readonly asciiOnly?: boolean;
}

/** `text` with its control bytes shown as `\xNN`; one line unless `keepLines`. */
export function escapeControls(text: string, options: EscapeOptions = {}): string {
  const pattern = options.asciiOnly ? NON_ASCII : options.keepLines ? CONTROLS_BUT_LINES : CONTROLS;
  return text.replace(pattern, hex);
}

/**
 * True when `bytes[from, to)` holds a byte escapeControls (default variant)
 * would change: the runtime log asks it of every entry it writes, so the
 * common entry, plain text, costs one pass over bytes already encoded.
 */
export function hasControlByte(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || (b >= 0x7f && b <= 0x9f)) return true;
  }
  return false;
}

/**
 * Bytes no message may carry: C0 controls other than TAB. A CR, LF, VT or FF
 * inside a body would reach a serial client as a second, forged line (and
 * to the agents they separate words); NUL, ESC and the rest are noise or
 * terminal commands. A datagram or serial line holding one is refused whole
 * (message.ts, framing.ts), never passed with the bytes escaped: what an
 * agent receives is always what its sender wrote.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what is refused
const REFUSED_CONTROLS = /[\x00-\x08\x0a-\x1f]/;

/** True for a byte no message may carry (see REFUSED_CONTROLS). */
export const isRefusedControl = (byte: number): boolean => byte < 0x20 && byte !== 0x09;

/** The index of the first byte of `text[0, end)` no message may carry, or -1. */
export function refusedControlAt(text: string, end: number): number {
  const at = text.search(REFUSED_CONTROLS);
  return at < end ? at : -1;
}
