// The few libc calls sd_notify needs. Neither Bun nor Node can send a unix
// *datagram*, so socket(2)/sendto(2) go through bun:ffi. libc is opened on
// first use, and a failure to open it is a value (undefined), never a throw:
// a missing notifier must not stop the server.
import { dlopen, FFIType } from "bun:ffi";

export const AF_UNIX = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
/** Never block the event loop on a full receiver queue. */
export const MSG_DONTWAIT = 0x40;
/** No SIGPIPE if the receiver went away. */
export const MSG_NOSIGNAL = 0x4000;

/** sizeof(struct sockaddr_un.sun_path) on Linux. */
const SUN_PATH_MAX = 108;

const symbols = {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sendto: {
    args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
    returns: FFIType.i64,
  },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
} as const;

export type Libc = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

let cached: Libc | null | undefined;

/** libc's socket/sendto/close, or undefined if libc cannot be loaded here. */
export function libc(): Libc | undefined {
  if (cached === undefined) {
    try {
      cached = dlopen("libc.so.6", symbols).symbols;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

/**
 * A struct sockaddr_un for `address` and the length to pass with it.
 * A leading `@` names the abstract namespace (first sun_path byte 0, no
 * terminating NUL counted). undefined: empty, relative, or too long.
 */
export function sockaddrUn(address: string): { addr: Uint8Array; len: number } | undefined {
  const abstract = address.startsWith("@");
  if (!abstract && !address.startsWith("/")) return undefined;
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  // A path needs room for its NUL; an abstract name needs room for the leading 0.
  if (name.length === 0 || name.length + 1 > SUN_PATH_MAX) return undefined;
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  // sa_family_t is a host-order u16: a Uint16Array view writes it that way.
  new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX;
  addr.set(name, abstract ? 3 : 2);
  return { addr, len: 2 + 1 + name.length };
}
