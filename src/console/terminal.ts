// The console's input and output. On a terminal: readline with a prompt,
// line editing and history, and output placed above the prompt so a
// half-typed line survives traffic arriving. Otherwise (a pipe, a file): plain
// lines in, plain lines out, no prompt and no escape sequences, so the
// console can be scripted.
import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { escapeControls } from "../protocol/escape.ts";

/**
 * What the console prints may span lines (tables, help); untrusted parts
 * (client messages) were escaped whole where they entered, so a newline
 * here is the console's own. Every other control byte is shown, not obeyed.
 */
const printable = (text: string): string => escapeControls(text, { keepLines: true });

/** Why input ended: end of input / Ctrl+D, or Ctrl+C at the terminal. */
export type EndReason = "eof" | "interrupt";

export interface InputHandlers {
  line(text: string): void;
  /** Called once when input ends, unless close() was called first. */
  end(reason: EndReason): void;
}

export interface ConsoleIO {
  /** Print text (it may span lines) without disturbing the line being typed. */
  print(text: string): void;
  /** Start reading lines. */
  start(prompt: string, handlers: InputHandlers): void;
  /** Show the prompt for the next line (after the previous one was handled). */
  prompt(): void;
  /** Stop reading and give the terminal back in its normal mode. Idempotent. */
  close(): void;
  /** Resolves once everything printed so far has been handed to the OS. */
  flush(): Promise<void>;
}

type TtyIn = Readable & { isTTY?: boolean };
type TtyOut = Writable & { isTTY?: boolean; columns?: number };

/** A terminal on both sides gets the interactive interface; anything else is a script. */
export function openConsoleIO(input: TtyIn, output: TtyOut): ConsoleIO {
  return input.isTTY && output.isTTY ? new TerminalIO(input, output) : new LineIO(input, output);
}

const flushed = (output: Writable): Promise<void> => new Promise((resolve) => output.write("", () => resolve()));

class TerminalIO implements ConsoleIO {
  private rl: readline.Interface | undefined;
  /** The cursor is on the prompt's row (not on a fresh line after Enter). */
  private prompting = false;
  private closed = false;

  constructor(
    private readonly input: TtyIn,
    private readonly output: TtyOut,
  ) {}

  print(text: string): void {
    const safe = printable(text);
    const rl = this.rl;
    if (!rl || this.closed) {
      this.output.write(`${safe}\n`);
      return;
    }
    // Go to the start of the prompt (the typed line may wrap over several
    // rows), clear from there down, print, then draw prompt and line again
    // with the cursor where it was. Done even while a command runs: a line
    // typed ahead is kept too, and the prompt shows a little early.
    const cursor = rl.getCursorPos();
    if (cursor.rows > 0) readline.moveCursor(this.output, 0, -cursor.rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
    this.output.write(`${safe}\n`);
    this.redraw(rl, cursor);
    this.prompting = true;
  }

  /**
   * Draw prompt and line from the cursor's row, leaving the cursor at
   * `cursor`: the screen ends up laid out exactly as before the print, so
   * readline's own bookkeeping (which rl.prompt(true) would consult, and which
   * Bun leaves stale for wrapped lines) stays true.
   */
  private redraw(rl: readline.Interface, cursor: readline.CursorPos): void {
    const text = `${rl.getPrompt()}${rl.line}`;
    this.output.write(text);
    const columns = this.output.columns ?? 80;
    const width = Bun.stringWidth(text);
    // Text that exactly fills its last row leaves the terminal waiting to
    // wrap; a space makes it wrap now, as readline does, so rows count right.
    if (width > 0 && width % columns === 0) this.output.write(" ");
    const endRows = Math.floor(width / columns);
    readline.cursorTo(this.output, cursor.cols);
    if (endRows > cursor.rows) readline.moveCursor(this.output, 0, cursor.rows - endRows);
  }

  start(prompt: string, handlers: InputHandlers): void {
    const rl = readline.createInterface({
      input: this.input,
      output: this.output,
      terminal: true,
      prompt,
      historySize: 500,
    });
    this.rl = rl;
    rl.on("line", (line) => {
      this.prompting = false;
      handlers.line(line);
    });
    // In raw mode Ctrl+C is a key, not a signal: readline reports it here.
    // As in a shell, it clears a half-typed line; on an empty line it quits.
    rl.on("SIGINT", () => {
      if (rl.line === "") return this.end(handlers, "interrupt");
      // End of line, then delete to its start: readline's own keys, so its
      // idea of the line and the screen stay in step.
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
    });
    // Ctrl+Z: readline leaves raw mode and stops us; after `fg` it turns raw
    // mode back on but leaves its input paused until the next prompt, so no
    // key worked. Prompting resumes it and redraws the half-typed line.
    rl.on("SIGCONT", () => this.prompt());
    // Ctrl+D on an empty line closes the interface.
    rl.on("close", () => this.end(handlers, "eof"));
    this.prompt();
  }

  prompt(): void {
    if (this.closed || !this.rl) return;
    this.prompting = true;
    // Keep the cursor where it is: a line typed ahead stays as it was.
    this.rl.prompt(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Leave the prompt's row so what follows starts on a line of its own.
    if (this.prompting) this.output.write("\n");
    this.prompting = false;
    this.rl?.close();
  }

  flush(): Promise<void> {
    return flushed(this.output);
  }

  private end(handlers: InputHandlers, reason: EndReason): void {
    if (this.closed) return;
    this.close();
    handlers.end(reason);
  }
}

class LineIO implements ConsoleIO {
  private rl: readline.Interface | undefined;
  private closed = false;

  constructor(
    private readonly input: TtyIn,
    private readonly output: TtyOut,
  ) {}

  print(text: string): void {
    this.output.write(`${printable(text)}\n`);
  }

  start(_prompt: string, handlers: InputHandlers): void {
    const rl = readline.createInterface({ input: this.input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    this.rl = rl;
    rl.on("line", (line) => handlers.line(line));
    rl.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      handlers.end("eof");
    });
  }

  prompt(): void {
    // No prompt in a script: the output holds replies only.
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rl?.close();
    // readline leaves a piped stdin open and referenced; let the process end.
    this.input.pause();
    (this.input as { unref?: () => void }).unref?.();
  }

  flush(): Promise<void> {
    return flushed(this.output);
  }
}
