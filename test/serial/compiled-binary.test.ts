// The serial transport inside a `bun build --compile` executable, driven over
// a real pty: the binding's bun:ffi calls and Bun's fd reader must both work
// in a compiled binary, which is how isis ships.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { fdsOpenOn, openPty } from "../helpers/pty.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";

let dir: string;
let binary: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "isis-serial-bin-"));
  binary = join(dir, "serial-echo");
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "fixtures/serial-echo.ts")],
    compile: { outfile: binary, autoloadBunfig: false, autoloadDotenv: false },
  });
  if (!result.success) throw new Error(result.logs.join("\n"));
}, 60000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The child's stdout as lines, with a wait for the next one matching. */
class Output {
  readonly lines: string[] = [];
  private seen = 0;
  private readonly changed = new Changes();

  constructor(stream: ReadableStream<Uint8Array>) {
    void this.pump(stream);
  }

  expect(re: RegExp, timeoutMs = 3000): Promise<RegExpMatchArray> {
    const match = () => {
      for (; this.seen < this.lines.length; this.seen++) {
        const m = (this.lines[this.seen] as string).match(re);
        if (m) {
          this.seen++;
          return m;
        }
      }
      return undefined;
    };
    return waitUntil(`an output line matching ${re}`, match, { on: this.changed, timeoutMs, seen: () => `got:\n${this.lines.join("\n")}` });
  }

  private async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts);
      this.changed.notify();
    }
  }
}

test("a compiled binary opens a pty as its serial port, echoes lines, survives the port vanishing and picks it up again", async () => {
  const link = join(dir, "ttyUSB0");
  const first = openPty();
  symlinkSync(first.slavePath, link);
  // As a session leader without a terminal, as a daemon runs: opening a tty
  // without O_NOCTTY would make it the controlling terminal.
  const child: Subprocess<"ignore", "pipe", "inherit"> = Bun.spawn(["setsid", "--wait", binary, link], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = new Output(child.stdout);
  let pid = 0;
  try {
    await out.expect(/^state 0 up /);
    const session = await out.expect(/^session pid=(\d+) sid=(\d+) ctty=(\d+)$/);
    pid = Number(session[1]);
    expect(session[2]).toBe(session[1]); // a session leader...
    expect(session[3]).toBe("0"); // ...that did not acquire the port as its terminal
    expect(fdsOpenOn(first.slavePath, pid).length).toBeGreaterThan(0);

    first.write("A1>IS PI");
    await out.expect(/^read total=8$/);
    first.write("NG\rB1>IS x\n\0noise\r");
    expect(await first.next()).toBe("ECHO A1>IS PING");
    expect(await first.next()).toBe("ECHO B1>IS x");
    await out.expect(/^junk 0 line of 6 bytes dropped: NUL byte in it$/);

    first.close();
    rmSync(link);
    await out.expect(/^state 0 down (EIO|ENXIO|ENODEV|EOF)\b/);

    const second = openPty();
    try {
      symlinkSync(second.slavePath, link);
      await out.expect(/^state 0 up /);
      second.write("C1>IS PING\r");
      expect(await second.next()).toBe("ECHO C1>IS PING");
    } finally {
      process.kill(pid, "SIGTERM");
      await out.expect(/^closed$/);
      second.close();
    }
    expect(await child.exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    if (pid && child.exitCode === null) process.kill(pid, "SIGKILL");
    first.close();
  }
}, 30000);
