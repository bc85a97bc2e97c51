// How untrusted input appears in the runtime log and the journal.

/** A printable, bounded excerpt of untrusted input for the log. */
export function preview(raw: string): string {
  const clipped = raw.length > 80 ? raw.slice(0, 80) : raw;
  const printable = clipped.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return raw.length > 80 ? `'${printable}'... (${raw.length} bytes)` : `'${printable}'`;
}
