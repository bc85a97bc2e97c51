// How untrusted input appears in the runtime log and the journal.
import { escapeControls } from "../protocol/escape.ts";

/** A printable, bounded excerpt of untrusted input for the log. */
export function preview(raw: string): string {
  const clipped = raw.length > 80 ? raw.slice(0, 80) : raw;
  const printable = escapeControls(clipped, { asciiOnly: true });
  return raw.length > 80 ? `'${printable}'... (${raw.length} bytes)` : `'${printable}'`;
}
