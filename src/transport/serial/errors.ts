// Errors the binding hands to SerialPortStream. The bindings contract wants
// rejected promises carrying flags (`canceled`, `disconnected`) that callers
// test; above the binding, SerialPorts turns them back into reason strings.
import { describeErrno, errno, errnoName } from "./libc.ts";

export class SerialError extends Error {
  /** `EIO`, `ENOENT`... or `EOF` / `CANCELED` for conditions without an errno. */
  readonly code: string;
  /** Set when the port was closed under an operation in progress (the contract's flag). */
  readonly canceled: boolean;

  constructor(message: string, code: string, canceled = false) {
    super(message);
    this.name = "SerialError";
    this.code = code;
    this.canceled = canceled;
  }
}

/** The error of a failed system call, from errno: `EIO: Input/output error (read)`. */
export function systemError(syscall: string, code = errno()): SerialError {
  return new SerialError(`${describeErrno(code)} (${syscall})`, errnoName(code));
}

export const canceledError = (): SerialError => new SerialError("port closed", "CANCELED", true);

/** Reading hit end of file: a tty that was hung up (the device went away). */
export const hangupError = (): SerialError => new SerialError("EOF: tty hung up (read)", "EOF");

/** The one line an error contributes to a "port down" report. */
export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
