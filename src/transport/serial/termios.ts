// Line settings through struct termios (Linux glibc layout). Raw mode as
// cfmakeraw(3) does it, plus what a message line needs: no flow control, the
// modem lines ignored (CLOCAL), and reads that report "no data" as EAGAIN.
import type { OpenOptions } from "@serialport/bindings-interface";
import { SerialError, systemError } from "./errors.ts";
import { libc, TCSANOW } from "./libc.ts";

// glibc struct termios: four tcflag_t, c_line, c_cc[32], then two speed_t.
const TERMIOS_BYTES = 60;
const IFLAG = 0;
const OFLAG = 4;
const CFLAG = 8;
const LFLAG = 12;
const CC = 17;
const VTIME = 5;
const VMIN = 6;

// c_iflag
const IGNBRK = 0o1;
const BRKINT = 0o2;
const IGNPAR = 0o4;
const PARMRK = 0o10;
const INPCK = 0o20;
const ISTRIP = 0o40;
const INLCR = 0o100;
const IGNCR = 0o200;
const ICRNL = 0o400;
const IUCLC = 0o1000;
const IXON = 0o2000;
const IXANY = 0o4000;
const IXOFF = 0o10000;
const IMAXBEL = 0o20000;
// c_oflag
const OPOST = 0o1;
// c_cflag
const CSIZE = 0o60;
const CSTOPB = 0o100;
const CREAD = 0o200;
const PARENB = 0o400;
const PARODD = 0o1000;
const HUPCL = 0o2000;
const CLOCAL = 0o4000;
const CMSPAR = 0o10000000000;
const CRTSCTS = 0o20000000000;
// c_lflag
const ISIG = 0o1;
const ICANON = 0o2;
const ECHO = 0o10;
const ECHOE = 0o20;
const ECHOK = 0o40;
const ECHONL = 0o100;
const ECHOCTL = 0o1000;
const ECHOPRT = 0o2000;
const ECHOKE = 0o4000;
const IEXTEN = 0o100000;

const CHARACTER_SIZE: Record<number, number> = { 5: 0, 6: 0o20, 7: 0o40, 8: 0o60 };

/** Baud rate → the speed_t code cfsetospeed(3) takes. */
// biome-ignore format: a table reads better as rows
const SPEED_CODES: ReadonlyMap<number, number> = new Map([
  [50, 0o1], [75, 0o2], [110, 0o3], [134, 0o4], [150, 0o5], [200, 0o6], [300, 0o7],
  [600, 0o10], [1200, 0o11], [1800, 0o12], [2400, 0o13], [4800, 0o14], [9600, 0o15],
  [19200, 0o16], [38400, 0o17], [57600, 0o10001], [115200, 0o10002], [230400, 0o10003],
  [460800, 0o10004], [500000, 0o10005], [576000, 0o10006], [921600, 0o10007],
  [1000000, 0o10010], [1152000, 0o10011], [1500000, 0o10012], [2000000, 0o10013],
]);
const BAUD_RATES: ReadonlyMap<number, number> = new Map([...SPEED_CODES].map(([baud, code]) => [code, baud]));

/** The line settings of an open port (OpenOptions with every default filled in). */
export type LineSettings = Required<OpenOptions>;

export const DEFAULT_SETTINGS: Omit<LineSettings, "path"> = {
  baudRate: 9600,
  dataBits: 8,
  parity: "none",
  stopBits: 1,
  lock: true,
  rtscts: false,
  xon: false,
  xoff: false,
  xany: false,
  hupcl: true,
};

/** Why these settings cannot be applied, or undefined when they can (checked before any open). */
export function settingsProblem(settings: LineSettings): string | undefined {
  if (!SPEED_CODES.has(settings.baudRate)) return `unsupported baud rate ${settings.baudRate}`;
  if (!(settings.dataBits in CHARACTER_SIZE)) return `unsupported data bits ${settings.dataBits}`;
  if (!["none", "even", "odd", "mark", "space"].includes(settings.parity)) return `unsupported parity ${settings.parity}`;
  if (settings.stopBits !== 1 && settings.stopBits !== 2) return `unsupported stop bits ${settings.stopBits}`;
  return undefined;
}

/** Put the tty on fd in raw mode with these settings; an error when the driver refuses. */
export function applyLineSettings(fd: number, settings: LineSettings): SerialError | undefined {
  const lib = libc();
  if (typeof lib === "string") return new SerialError(lib, "ENOSYS");
  const t = Buffer.alloc(TERMIOS_BYTES);
  if (lib.tcgetattr(fd, t) !== 0) return systemError("tcgetattr");

  // Raw input. Breaks and bytes with framing errors still arrive, as NUL
  // (IGNBRK, IGNPAR and PARMRK off): the framer then drops the corrupted
  // line whole instead of passing it on with a character missing.
  let iflag = t.readUInt32LE(IFLAG);
  iflag &= ~(IGNBRK | BRKINT | IGNPAR | PARMRK | INPCK | ISTRIP | INLCR | IGNCR | ICRNL | IUCLC | IMAXBEL);
  iflag &= ~(IXON | IXOFF | IXANY);
  if (settings.xon) iflag |= IXON;
  if (settings.xoff) iflag |= IXOFF;
  if (settings.xany) iflag |= IXANY;
  if (settings.parity !== "none") iflag |= INPCK;

  let cflag = t.readUInt32LE(CFLAG);
  cflag &= ~(CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS | HUPCL);
  cflag |= (CHARACTER_SIZE[settings.dataBits] as number) | CREAD | CLOCAL;
  if (settings.stopBits === 2) cflag |= CSTOPB;
  if (settings.parity !== "none") cflag |= PARENB;
  if (settings.parity === "odd" || settings.parity === "mark") cflag |= PARODD;
  if (settings.parity === "mark" || settings.parity === "space") cflag |= CMSPAR;
  if (settings.rtscts) cflag |= CRTSCTS;
  if (settings.hupcl) cflag |= HUPCL;

  let lflag = t.readUInt32LE(LFLAG);
  lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ECHOPRT | ECHOKE | IEXTEN);

  t.writeUInt32LE(iflag >>> 0, IFLAG);
  t.writeUInt32LE((t.readUInt32LE(OFLAG) & ~OPOST) >>> 0, OFLAG);
  t.writeUInt32LE(cflag >>> 0, CFLAG);
  t.writeUInt32LE(lflag >>> 0, LFLAG);
  // VMIN 1: with O_NONBLOCK an idle port then reads EAGAIN, so a read of 0
  // bytes means only one thing, a hung-up tty. (VMIN 0 would read 0 when idle.)
  t[CC + VMIN] = 1;
  t[CC + VTIME] = 0;
  return setSpeedAndApply(fd, t, settings.baudRate);
}

/** Change only the baud rate of an open port. */
export function applyBaudRate(fd: number, baudRate: number): SerialError | undefined {
  const lib = libc();
  if (typeof lib === "string") return new SerialError(lib, "ENOSYS");
  const t = Buffer.alloc(TERMIOS_BYTES);
  if (lib.tcgetattr(fd, t) !== 0) return systemError("tcgetattr");
  return setSpeedAndApply(fd, t, baudRate);
}

/** The output baud rate the driver reports, or an error. */
export function readBaudRate(fd: number): number | SerialError {
  const lib = libc();
  if (typeof lib === "string") return new SerialError(lib, "ENOSYS");
  const t = Buffer.alloc(TERMIOS_BYTES);
  if (lib.tcgetattr(fd, t) !== 0) return systemError("tcgetattr");
  const code = lib.cfgetospeed(t);
  return BAUD_RATES.get(code) ?? new SerialError(`unknown speed code ${code}`, "EINVAL");
}

function setSpeedAndApply(fd: number, t: Buffer, baudRate: number): SerialError | undefined {
  const lib = libc();
  if (typeof lib === "string") return new SerialError(lib, "ENOSYS");
  const code = SPEED_CODES.get(baudRate);
  if (code === undefined) return new SerialError(`unsupported baud rate ${baudRate}`, "EINVAL");
  if (lib.cfsetispeed(t, code) !== 0 || lib.cfsetospeed(t, code) !== 0) return systemError("cfsetspeed");
  if (lib.tcsetattr(fd, TCSANOW, t) !== 0) return systemError("tcsetattr");
  // tcsetattr succeeds when any one change took; check the speed really did.
  const check = Buffer.alloc(TERMIOS_BYTES);
  if (lib.tcgetattr(fd, check) !== 0) return systemError("tcgetattr");
  if (lib.cfgetospeed(check) !== code) return new SerialError(`driver refused ${baudRate} baud`, "EINVAL");
  return undefined;
}
