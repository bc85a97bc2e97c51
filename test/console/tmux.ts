// A real pseudo-terminal for end-to-end console tests: tmux on a private
// socket runs the program in a pane; tests type with send-keys and read the
// screen with capture-pane, polling until the expected text shows (never a
// fixed sleep). Kill the whole tmux server with close() in afterAll.
import { rmSync } from "node:fs";
import { waitUntil } from "../helpers/wait.ts";

const TMUX = "/usr/bin/tmux";
const POLL_MS = 25;

export class Tmux {
  private sessions = 0;
  readonly socket = `isis-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  run(...args: string[]): string {
    // -f /dev/null: no user or system tmux.conf changes key handling or size.
    const r = Bun.spawnSync([TMUX, "-f", "/dev/null", "-L", this.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString().trim()}`);
    return r.stdout.toString();
  }

  /**
   * Start `argv` in a new 200x50 pane. When it exits the pane prints
   * `[exit N]` and the terminal's line discipline flags (`[tty icanon echo]`
   * when it was given back in its normal mode), then stays, so tests can read
   * the exit status and the final output.
   */
  open(argv: readonly string[], cwd: string): Pane {
    const name = `s${++this.sessions}`;
    const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
    this.run(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      "200",
      "-y",
      "50",
      "-c",
      cwd,
      `${quoted}; echo "[exit $?]"; echo "[tty $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' ')]"; exec sleep 3600`,
    );
    return new Pane(this, name);
  }

  /** Kill the tmux server (and every pane's process) and remove its socket file, which tmux leaves behind. */
  close(): void {
    const where = Bun.spawnSync([TMUX, "-L", this.socket, "display-message", "-p", "#{socket_path}"], { stdout: "pipe", stderr: "ignore" });
    Bun.spawnSync([TMUX, "-L", this.socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
    const path = where.stdout.toString().trim();
    if (path) rmSync(path, { force: true });
  }
}

export class Pane {
  constructor(
    private readonly tmux: Tmux,
    readonly target: string,
  ) {}

  /** Type text literally (no key names), without Enter. */
  type(text: string): void {
    this.tmux.run("send-keys", "-t", this.target, "-l", text);
  }

  /** Press keys by tmux name: Enter, Up, C-c, C-d... */
  keys(...names: string[]): void {
    this.tmux.run("send-keys", "-t", this.target, ...names);
  }

  /** The whole pane, scrollback included, wrapped rows joined, trailing blanks trimmed. */
  screen(): string {
    const text = this.tmux.run("capture-pane", "-p", "-J", "-t", this.target, "-S", "-");
    return text
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n")
      .trimEnd();
  }

  /** The last non-blank row on screen (the prompt line while the console runs). */
  lastLine(): string {
    const lines = this.screen().split("\n");
    return lines[lines.length - 1] ?? "";
  }

  cursorX(): number {
    return Number(this.tmux.run("display-message", "-p", "-t", this.target, "#{cursor_x}").trim());
  }

  /** Poll the screen until `test` finds what it wants; returns that, or throws with the screen after timeoutMs. */
  until<T>(what: string, test: (screen: string) => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
    let screen = "";
    const check = () => {
      screen = this.screen();
      return test(screen);
    };
    return waitUntil(`the pane to show ${what}`, check, { timeoutMs, pollMs: POLL_MS, seen: () => `screen:\n${screen}` });
  }

  /** Wait until the screen matches re; returns the match. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.until(String(re), (s) => s.match(re), timeoutMs);
  }

  /** The `[tty ...]` flags printed once the program exited. */
  async ttyFlags(timeoutMs = 5000): Promise<string> {
    const m = await this.waitFor(/^\[tty (.*)\]$/m, timeoutMs);
    return (m[1] ?? "").trim();
  }

  /** Wait for the program to exit; returns its exit status. */
  async exitCode(timeoutMs = 5000): Promise<number> {
    const m = await this.waitFor(/^\[exit (\d+)\]$/m, timeoutMs);
    return Number(m[1]);
  }
}
