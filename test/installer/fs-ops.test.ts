// Replacing installed files: new inode in the target directory, exact mode,
// no half-written or leftover files.
import { afterEach, describe, expect, test } from "bun:test";
import { link, lstat, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareFiles, copyFileReplacing, makeDirs, symlinkReplacing, writeFileReplacing } from "../../src/installer/fs-ops.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "isis-fsops-"));
  dirs.push(d);
  return d;
}

describe("copyFileReplacing / writeFileReplacing", () => {
  test("the new file is a new inode created in the target directory (so it takes that directory's SELinux label), not the source moved in", async () => {
    const d = await scratch();
    const source = join(d, "source");
    const dest = join(d, "dest");
    await writeFile(source, "new binary");
    await copyFileReplacing(source, dest, 0o755);
    const [s, t] = await Promise.all([stat(source), stat(dest)]);
    expect(t.ino).not.toBe(s.ino);
    expect(await readFile(dest, "utf8")).toBe("new binary");
  });

  test("replacing a file that is open (a running binary) leaves the open one intact and puts the new one at the path", async () => {
    const d = await scratch();
    const dest = join(d, "isis");
    await writeFile(dest, "old binary");
    const running = await open(dest, "r");
    try {
      await writeFileReplacing(dest, "new binary", 0o755);
      expect((await running.readFile()).toString()).toBe("old binary");
      expect(await readFile(dest, "utf8")).toBe("new binary");
    } finally {
      await running.close();
    }
  });

  test("the mode is exactly the one asked for, whatever the umask", async () => {
    const d = await scratch();
    const previous = process.umask(0o077);
    try {
      await writeFileReplacing(join(d, "unit"), "x", 0o644);
      await writeFile(join(d, "src"), "y");
      await copyFileReplacing(join(d, "src"), join(d, "bin"), 0o755);
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(d, "unit"))).mode & 0o777).toBe(0o644);
    expect((await stat(join(d, "bin"))).mode & 0o777).toBe(0o755);
  });

  test("a failed copy leaves the old file as it was and no temporary file behind", async () => {
    const d = await scratch();
    const dest = join(d, "isis");
    await writeFile(dest, "old");
    await expect(copyFileReplacing(join(d, "missing"), dest, 0o755)).rejects.toThrow();
    expect(await readFile(dest, "utf8")).toBe("old");
    expect(await readdir(d)).toEqual(["isis"]);
  });
});

describe("symlinkReplacing", () => {
  test("replaces a regular file (the old Perl isisCmd) with a relative symlink", async () => {
    const d = await scratch();
    const path = join(d, "isisCmd");
    await writeFile(path, "#!/usr/bin/perl\n");
    await symlinkReplacing(path, "isis");
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe("isis");
  });
});

describe("compareFiles", () => {
  test("tells the same file, an identical copy, a different file and no file apart", async () => {
    const d = await scratch();
    const a = join(d, "a");
    await writeFile(a, "binary bytes");
    await link(a, join(d, "hard"));
    await writeFile(join(d, "copy"), "binary bytes");
    await writeFile(join(d, "other"), "binary byteZ");
    expect(await compareFiles(a, join(d, "hard"))).toBe("same-file");
    expect(await compareFiles(a, join(d, "copy"))).toBe("same-content");
    expect(await compareFiles(a, join(d, "other"))).toBe("other");
    expect(await compareFiles(a, join(d, "none"))).toBe("missing");
  });
});

describe("makeDirs", () => {
  test("creates every missing directory with exactly the mode asked for, whatever the umask, and leaves existing ones alone", async () => {
    const d = await scratch();
    await mkdir(join(d, "home"), { mode: 0o700 });
    const previous = process.umask(0o077);
    try {
      await makeDirs(join(d, "home/Logs/ISIS"), 0o755);
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(d, "home"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(d, "home/Logs"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(d, "home/Logs/ISIS"))).mode & 0o777).toBe(0o755);
  });
});
