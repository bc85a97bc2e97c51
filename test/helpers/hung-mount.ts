// A file system that never answers, for real: a FUSE mount whose server
// never replies, in a mount namespace of its own (nothing is mounted on the
// machine). Any stat, open or read under it blocks in the kernel, exactly as
// under a hung NFS mount. The command given runs inside that namespace; the
// shell holding the FUSE device lets go of it when release() is called (or
// the test's process ends), which aborts the connection: every blocked call
// then returns ENOTCONN, as when a hung mount is finally cut. A SIGTERM to
// the process returned stops the command too.
import { existsSync } from "node:fs";
import type { Subprocess } from "bun";

/** Why a hung mount cannot be made here (not root, no FUSE), or undefined when it can. */
export function whyNoHungMount(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (mount namespaces and FUSE)";
  if (!existsSync("/dev/fuse")) return "no /dev/fuse";
  if (!Bun.which("unshare") || !Bun.which("mount")) return "needs unshare and mount (util-linux)";
  return undefined;
}

export interface HungMount {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  /** Abort the FUSE connection: calls blocked under the mount return (ENOTCONN). */
  release(): Promise<void>;
}

// $0 is the mount point, "$@" the command. The command gets neither the
// device (3>&-) nor our stdin; `read` waits for release() or our end; a
// SIGTERM (after release()) is passed on to the command.
const SCRIPT = `mount --make-rprivate / || exit 97
exec 3<>/dev/fuse || exit 97
mount -i -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 isis-hung "$0" || exit 97
"$@" 3>&- </dev/null &
child=$!
trap 'kill "$child" 2>/dev/null; wait "$child"; exit 143' TERM
read -r _
exec 3>&-
wait "$child"`;

/** Run argv in a mount namespace where `mountPoint` (an existing empty directory) hangs every access. */
export function spawnWithHungMount(mountPoint: string, argv: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): HungMount {
  const proc = Bun.spawn(["unshare", "-m", "sh", "-c", SCRIPT, mountPoint, ...argv], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let released = false;
  return {
    proc,
    async release() {
      if (released) return;
      released = true;
      proc.stdin.write("\n");
      await proc.stdin.end();
    },
  };
}
