// Text to bytes, one byte per char: the server's strings are latin1-decoded
// datagrams, so this is exact. Buffer#latin1Write (Node's and Bun's) takes
// half the time of buf.write(text, offset, "latin1"), which first sorts out
// its optional arguments; the message path makes several of these a message.

interface Latin1Writer {
  latin1Write(text: string, offset: number): number;
}

/** Write `text` into `bytes` at `offset`; returns the bytes written (cut short at the end of `bytes`). */
export const writeLatin1 = (bytes: Buffer, text: string, offset: number): number => (bytes as unknown as Latin1Writer).latin1Write(text, offset);

interface Latin1Reader {
  latin1Slice(start: number, end: number): string;
}

/** `bytes[start, end)` as text, one char per byte: the counterpart of writeLatin1 (and as cheap beside toString). */
export const readLatin1 = (bytes: Buffer, start: number, end: number): string => (bytes as unknown as Latin1Reader).latin1Slice(start, end);
