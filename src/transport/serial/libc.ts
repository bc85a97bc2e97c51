// The few libc calls a serial port needs, through bun:ffi. This replaces the
// native addon of `serialport`, which cannot load under Bun (it wants
// uv_poll_init). Linux/glibc only: the constants below are Linux's.
import { CString, dlopen, FFIType, type Library, type Pointer, read } from "bun:ffi";

const { i32, u32, u64, ptr, i64_fast } = FFIType;

const SYMBOLS = {
  open: { args: [ptr, i32, u32], returns: i32 },
  close: { args: [i32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64_fast },
  write: { args: [i32, ptr, u64], returns: i64_fast },
  tcgetattr: { args: [i32, ptr], returns: i32 },
  tcsetattr: { args: [i32, i32, ptr], returns: i32 },
  cfsetispeed: { args: [ptr, u32], returns: i32 },
  cfsetospeed: { args: [ptr, u32], returns: i32 },
  cfgetospeed: { args: [ptr], returns: u32 },
  tcflush: { args: [i32, i32], returns: i32 },
  // Variadic in C; every request used here takes one pointer (or nothing).
  ioctl: { args: [i32, u64, ptr], returns: i32 },
  __errno_location: { args: [], returns: ptr },
  strerror: { args: [i32], returns: ptr },
} as const;

type Symbols = Library<typeof SYMBOLS>["symbols"];

export const O_RDWR = 0o2;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

export const TCSANOW = 0;
export const TCOFLUSH = 1;
export const TCIOFLUSH = 2;

export const TIOCEXCL = 0x540c;
export const TIOCOUTQ = 0x5411;
export const TIOCMGET = 0x5415;
export const TIOCMSET = 0x5418;
export const TIOCSBRK = 0x5427;
export const TIOCCBRK = 0x5428;

export const EINTR = 4;
export const EAGAIN = 11;

/** Names for the errno values a serial port meets; others print as `errno N`. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  9: "EBADF",
  11: "EAGAIN",
  13: "EACCES",
  16: "EBUSY",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  24: "EMFILE",
  25: "ENOTTY",
  40: "ELOOP",
  108: "ESHUTDOWN",
};

interface Loaded {
  readonly libc: Symbols;
  /** errno is thread-local; every call here runs on the JS thread, so its address is fixed. */
  readonly errnoAt: Pointer;
}

function load(): Loaded | string {
  try {
    const { symbols } = dlopen("libc.so.6", SYMBOLS);
    const errnoAt = symbols.__errno_location();
    return typeof errnoAt === "number" ? { libc: symbols, errnoAt } : "libc.so.6: no errno address";
  } catch (error) {
    return `serial ports need Linux glibc (libc.so.6): ${(error as Error).message}`;
  }
}

let loaded: Loaded | string | undefined;

/** libc's symbols, or why they cannot be loaded (not Linux/glibc). Loaded once, on first use. */
export function libc(): Symbols | string {
  loaded ??= load();
  return typeof loaded === "string" ? loaded : loaded.libc;
}

/** errno of the last failed call. Read it right after the call that failed. */
export function errno(): number {
  if (loaded === undefined || typeof loaded === "string") return 0;
  return read.i32(loaded.errnoAt, 0);
}

export const errnoName = (code: number): string => ERRNO_NAMES[code] ?? `errno ${code}`;

/** `EIO: Input/output error` */
export function describeErrno(code: number): string {
  const lib = libc();
  if (typeof lib === "string") return errnoName(code);
  const text = lib.strerror(code);
  return text ? `${errnoName(code)}: ${new CString(text)}` : errnoName(code);
}
