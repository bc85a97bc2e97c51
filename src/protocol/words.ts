// Words of a message body as the field's agents see them. Their C library
// splits a message with sscanf("%s %s %[^\n]") (SplitMessage, in
// rwpogge/MODS2025 ISIS/isisClient/isismessage.c): `%s` stops at, and the
// space in the format skips, any character C's isspace() takes in the C
// locale (space, TAB, LF, VT, FF, CR; never a latin1 byte such as 0xA0).
// Whatever decides what a message is (an EXEC:, a server command, a reply)
// splits words here, so it reads a body exactly as an agent would.

/** C's isspace() in the C locale: space, `\t`, `\n`, `\v`, `\f`, `\r`. */
export const isWordSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** The index of the first non-space character of `text` at or after `at`. */
export function skipSpaces(text: string, at: number): number {
  while (at < text.length && isWordSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The index just past the word that starts at `at`. */
export function wordEnd(text: string, at: number): number {
  while (at < text.length && !isWordSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The first word of a string, or "". */
export function firstWord(text: string): string {
  const start = skipSpaces(text, 0);
  return text.slice(start, wordEnd(text, start));
}

/** The words of `text` from `at` on, any run of whitespace separating them. */
export function splitWords(text: string, at = 0): string[] {
  const out: string[] = [];
  for (let start = skipSpaces(text, at); start < text.length; start = skipSpaces(text, start)) {
    const end = wordEnd(text, start);
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}
