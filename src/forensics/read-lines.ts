// Lines of a log file, streamed through one fixed buffer: memory stays the
// same whatever the file's size, and a line costs one string (latin1, one
// char per byte, as the server wrote it).
import { open } from "node:fs/promises";
import { readLatin1 } from "../protocol/latin1.ts";

const BUFFER_BYTES = 1 << 20;

export interface ReadOptions {
  /** Where to start (bytes). */
  offset?: number;
  /** Hand over a last line with no newline (a finished file); else leave it for the next read (a live one). */
  final?: boolean;
  /** Stop reading (the reader of the output went away). */
  signal?: AbortSignal;
}

export interface ReadResult {
  /** Complete lines read. */
  readonly lines: number;
  /** Where the next read should start: after the last line handed over. */
  readonly offset: number;
}

/**
 * Call `onLine` for each line of `path` from `options.offset`. A line longer
 * than the buffer (1 MiB; the server's are at most a few KiB) is handed over
 * in pieces. A missing file reads as empty.
 */
export async function readLines(path: string, onLine: (line: string) => void, options: ReadOptions = {}): Promise<ReadResult> {
  let offset = options.offset ?? 0;
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!handle) return { lines: 0, offset };
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  let filled = 0;
  let lines = 0;
  try {
    while (!options.signal?.aborted) {
      const { bytesRead } = await handle.read(buffer, filled, BUFFER_BYTES - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      let start = 0;
      for (let nl = buffer.indexOf(10, 0); nl !== -1 && nl < filled; nl = buffer.indexOf(10, start)) {
        onLine(readLatin1(buffer, start, nl));
        lines++;
        start = nl + 1;
      }
      if (start === 0 && filled === BUFFER_BYTES) {
        // No newline in a whole buffer: not a line the server wrote; hand it over as it is.
        onLine(readLatin1(buffer, 0, filled));
        lines++;
        start = filled;
      }
      offset += start;
      buffer.copy(buffer, 0, start, filled);
      filled -= start;
    }
    if (filled > 0 && options.final !== false && !options.signal?.aborted) {
      onLine(readLatin1(buffer, 0, filled));
      lines++;
      offset += filled;
    }
    return { lines, offset };
  } finally {
    await handle.close();
  }
}
