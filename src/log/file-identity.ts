// Is an open file still the one its path names? `rm` of today's log, or a
// logrotate without copytruncate (rename, then a new file at the path),
// leaves the server writing into a file nobody will ever read.
import type { FileHandle } from "node:fs/promises";
import { stat } from "node:fs/promises";

/** Why `handle` is no longer the file at `path` ("was removed", "was replaced by another file"), or undefined while it is. */
export async function fileGoneBecause(path: string, handle: FileHandle): Promise<string | undefined> {
  const open = await handle.stat().catch(() => undefined);
  if (!open) return undefined;
  try {
    const named = await stat(path);
    return named.ino === open.ino && named.dev === open.dev ? undefined : "was replaced by another file";
  } catch (error) {
    // No file there now, or not even its directory (something else took the directory's name).
    const code = (error as { code?: string }).code;
    return code === "ENOENT" || code === "ENOTDIR" ? "was removed" : undefined;
  }
}
