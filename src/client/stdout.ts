// The client's stdout without Node's stream layer. Touching process.stdout
// (even for .isTTY) builds a stream and loads node:stream and its kin: about
// 20 ms at every start, more than the rest of an `isis cmd` call
// (bench/cmd-call.ts), and scripts make dozens of calls in a row. So the
// text goes out through Bun.write, in order, and whether stdout is a
// terminal and how wide come from libc (node:tty would cost 4 ms more).
import { dlopen, FFIType } from "bun:ffi";

export interface Stdout {
  readonly isTTY: boolean;
  /** The terminal's width; undefined when not a terminal or unknown. */
  readonly columns: number | undefined;
  /** Queue text; writes reach the file in the order they were queued. */
  write(text: string): void;
  /** Resolves once everything queued has been written. */
  flushed(): Promise<void>;
}

const STDOUT_FD = 1;
/** ioctl request for struct winsize { unsigned short ws_row, ws_col, ... } (Linux). */
const TIOCGWINSZ = 0x5413;

function terminalFacts(): { isTTY: boolean; columns: number | undefined } {
  try {
    const { symbols } = dlopen("libc.so.6", {
      isatty: { args: [FFIType.i32], returns: FFIType.i32 },
      // Variadic in C; TIOCGWINSZ takes one pointer.
      ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    });
    if (symbols.isatty(STDOUT_FD) !== 1) return { isTTY: false, columns: undefined };
    const size = new Uint16Array(4);
    const columns = symbols.ioctl(STDOUT_FD, TIOCGWINSZ, size) === 0 && size[1] ? size[1] : undefined;
    return { isTTY: true, columns };
  } catch {
    // No glibc here: ask Node, slowly.
    return { isTTY: process.stdout.isTTY === true, columns: process.stdout.columns };
  }
}

export function openStdout(): Stdout {
  const { isTTY, columns } = terminalFacts();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    isTTY,
    columns,
    write(text) {
      queue = queue.then(() => Bun.write(Bun.stdout, text));
    },
    async flushed() {
      await queue;
    },
  };
}
