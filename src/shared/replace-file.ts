// Replacing a file whole, so whoever reads it (a restart reading the state
// file, node_exporter reading the metrics, systemd reading a unit) sees the
// old content or the new, never half of one: the new file is made under a
// fresh name beside the old one, then renamed over it. Creating it there
// (not moving it in) also gives it that directory's SELinux label, and the
// rename works even while an old binary is running. Below every layer: the
// server and the installer both replace files.
import { chmod, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let made = 0;
/**
 * A fresh hidden name beside `path`, so rename() stays on one file system
 * (and a *.prom collector skips it): unique by process, time and count,
 * without loading node:crypto into the server for it.
 */
const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}-${Date.now().toString(36)}-${++made}.tmp`);

/**
 * The PID that made `name`, if it is one of our temp files for a file named
 * `base` (in the same directory): so what a killed process left can be told
 * from what a live one is writing.
 */
export function tempFileOwner(base: string, name: string): number | undefined {
  const prefix = `.${base}.`;
  if (!name.startsWith(prefix) || !name.endsWith(".tmp")) return undefined;
  const match = /^(\d{1,10})-[0-9a-z]+-\d+$/.exec(name.slice(prefix.length, -".tmp".length));
  return match ? Number(match[1]) : undefined;
}

/**
 * Create the temp file with `make`, make it durable (fsync: after a power
 * cut the name holds the old content or the new, never an empty file), and
 * rename it over `path`; the temp file never outlives a failure.
 */
export async function replaceWith(path: string, make: (temp: string) => Promise<void>, durable = true): Promise<void> {
  const temp = tempBeside(path);
  try {
    await make(temp);
    if (durable) {
      const handle = await open(temp, "r");
      await handle.sync().finally(() => handle.close());
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Replace `path` with `text`, file mode exactly `mode`; `durable` false spares the fsync (figures rewritten every few seconds). */
export const writeFileReplacing = (path: string, text: string, mode: number, durable = true): Promise<void> =>
  replaceWith(
    path,
    async (temp) => {
      const handle = await open(temp, "wx", mode);
      await handle.writeFile(text).finally(() => handle.close());
      await chmod(temp, mode); // open()'s mode is filtered by the umask
    },
    durable,
  );
