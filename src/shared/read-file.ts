// Reading a small file someone may have pointed anywhere: the config file,
// the client's instrument table, the host table's state file. Only a regular
// file is read (a FIFO would block the read until a writer came, /dev/zero
// would fill memory), only up to a size limit, and only within a time limit
// (a hung NFS or FUSE mount never answers). A read that does not come back
// in time is reported as such. It still holds one of the runtime's few file
// I/O threads (two on a 2-core machine, shared with the runtime log's
// writes), so while it stays stuck every further read is refused at once,
// saying why, instead of taking the other thread too: a RESTART after a
// failed one answers at once, and the log keeps being written.

export interface ReadLimits {
  /** Larger files are refused. */
  readonly maxBytes: number;
  /** A read not done by then is given up (and said so). */
  readonly timeoutMs: number;
}

/** Field configs are a few KiB; a megabyte is room for any real one. */
const SMALL_FILE_LIMITS: ReadLimits = { maxBytes: 1024 * 1024, timeoutMs: 5000 };

export type FileRead =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: string /** No such file: for callers with a default. */; readonly missing: boolean };

/** A read given up on that has not returned yet: its path and start (performance.now()). */
let stuck: { readonly path: string; readonly since: number } | undefined;

/** The bytes of a regular file of at most `limits.maxBytes`, or why not. Never throws. */
export async function readSmallFile(path: string, limits: ReadLimits = SMALL_FILE_LIMITS): Promise<FileRead> {
  if (stuck !== undefined) {
    const seconds = ((performance.now() - stuck.since) / 1000).toFixed(0);
    return fail(`not read: an earlier read of ${stuck.path}, started ${seconds} s ago, has not returned (a hung file system?)`);
  }
  const since = performance.now();
  let done = false;
  const reading = readChecked(path, limits.maxBytes).finally(() => {
    done = true;
    if (stuck?.since === since) stuck = undefined;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<FileRead>((resolve) => {
    timer = setTimeout(() => {
      if (!done) stuck = { path, since };
      resolve(fail(`no answer within ${limits.timeoutMs / 1000} s (a hung file system?)`));
    }, limits.timeoutMs);
  });
  try {
    return await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function readChecked(path: string, maxBytes: number): Promise<FileRead> {
  try {
    const file = Bun.file(path);
    const stats = await file.stat();
    if (!stats.isFile()) return fail(`not a regular file (${kindOf(stats)})`);
    if (stats.size > maxBytes) return fail(`${stats.size} bytes, over the limit of ${maxBytes}`);
    // Never more than the limit, even if the file grew (or was swapped) since the stat.
    const bytes = await file.slice(0, maxBytes + 1).bytes();
    if (bytes.length > maxBytes) return fail(`over the limit of ${maxBytes} bytes`);
    return { ok: true, bytes };
  } catch (error) {
    return { ok: false, reason: describeFsError(error), missing: (error as { code?: string } | null)?.code === "ENOENT" };
  }
}

interface FileKind {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

function kindOf(stats: FileKind): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

export function describeFsError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return error instanceof Error ? error.message : String(error);
}

const fail = (reason: string): FileRead => ({ ok: false, reason, missing: false });
