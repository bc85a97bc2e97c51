// File operations that leave every installed file either old or new, never
// half-written, and freshly created in its own directory (see
// shared/replace-file.ts).
import { chmod, copyFile, lstat, mkdir, open, readlink, stat, symlink } from "node:fs/promises";
import { dirname } from "node:path";
import { replaceWith, writeFileReplacing } from "../shared/replace-file.ts";

export { writeFileReplacing };

export const copyFileReplacing = (from: string, path: string, mode: number) =>
  replaceWith(path, async (temp) => {
    await copyFile(from, temp);
    await chmod(temp, mode);
  });

export const symlinkReplacing = (path: string, target: string) => replaceWith(path, (temp) => symlink(target, temp), false);

/** mkdir -p where every directory created gets exactly `mode` (mkdir's own mode is filtered by sudo's umask). */
export async function makeDirs(path: string, mode: number): Promise<void> {
  if (await lstatOrUndefined(path)) return;
  await makeDirs(dirname(path), mode);
  try {
    await mkdir(path, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return; // made meanwhile: not ours to chmod
    throw error;
  }
  await chmod(path, mode);
}

/** lstat or undefined when there is nothing at `path`. */
export async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/** The target of the symlink at `path`, or undefined if it is not one. */
export async function readlinkOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch {
    return undefined;
  }
}

/** Is `b` the very file `a` is, or a byte-for-byte copy of it? */
export async function compareFiles(a: string, b: string): Promise<"missing" | "same-file" | "same-content" | "other"> {
  const [sa, sb] = await Promise.all([stat(a), stat(b).catch(() => undefined)]);
  if (!sb) return "missing";
  if (sa.dev === sb.dev && sa.ino === sb.ino) return "same-file";
  if (sa.size !== sb.size) return "other";
  return (await sameBytes(a, b)) ? "same-content" : "other";
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([open(a, "r"), open(b, "r")]);
  try {
    const size = 1 << 20;
    const [ba, bb] = [Buffer.alloc(size), Buffer.alloc(size)];
    for (;;) {
      const [ra, rb] = await Promise.all([ha.read(ba, 0, size), hb.read(bb, 0, size)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([ha.close(), hb.close()]);
  }
}
