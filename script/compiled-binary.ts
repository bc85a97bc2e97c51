// Is this file still a compiled isis, or was it stripped? A compiled Bun
// binary is the Bun runtime with the bundle in its `.bun` section, found
// through the file's exact layout: `strip` (or rpmbuild's brp-strip,
// `install -s`, even a plain `objcopy`) rewrites that layout, and the result
// starts as the bare Bun CLI (`isis -v` prints Bun's version). The sure test
// is running it; where it cannot run (another architecture without
// qemu-user) the section table must still look like an unstripped build.

export interface Section {
  readonly offset: number;
  readonly size: number;
}

/** The section table of a 64-bit little-endian ELF file (x86-64, aarch64), by name; a reason when it is not one. */
export async function elfSections(path: string): Promise<Map<string, Section> | string> {
  const file = Bun.file(path);
  const head = new DataView(await file.slice(0, 64).arrayBuffer());
  if (head.byteLength < 64 || head.getUint32(0) !== 0x7f454c46) return `${path} is not an ELF file`;
  if (head.getUint8(4) !== 2 || head.getUint8(5) !== 1) return `${path} is not a 64-bit little-endian ELF file`;
  const shoff = Number(head.getBigUint64(0x28, true));
  const shentsize = head.getUint16(0x3a, true);
  const shnum = head.getUint16(0x3c, true);
  const shstrndx = head.getUint16(0x3e, true);
  if (shnum === 0 || shentsize < 64 || shstrndx >= shnum) return `${path} has no section table`;
  const table = new DataView(await file.slice(shoff, shoff + shnum * shentsize).arrayBuffer());
  const at = (i: number): Section & { name: number } => ({
    name: table.getUint32(i * shentsize, true),
    offset: Number(table.getBigUint64(i * shentsize + 0x18, true)),
    size: Number(table.getBigUint64(i * shentsize + 0x20, true)),
  });
  const strtab = at(shstrndx);
  const names = new Uint8Array(await file.slice(strtab.offset, strtab.offset + strtab.size).arrayBuffer());
  const sections = new Map<string, Section>();
  for (let i = 0; i < shnum; i++) {
    const s = at(i);
    const end = names.indexOf(0, s.name);
    sections.set(new TextDecoder().decode(names.subarray(s.name, end === -1 ? undefined : end)), { offset: s.offset, size: s.size });
  }
  return sections;
}

/** The bare runtime's `.bun` section is 8 bytes; isis's bundle is megabytes. */
const MIN_BUNDLE_BYTES = 64 * 1024;

/** Undefined when the section table looks like a compiled, unstripped binary; else what is wrong. */
export async function strippedProblem(path: string): Promise<string | undefined> {
  const sections = await elfSections(path);
  if (typeof sections === "string") return sections;
  const bundle = sections.get(".bun");
  if (!bundle || bundle.size < MIN_BUNDLE_BYTES)
    return `${path} holds no bundle (no .bun section of ${MIN_BUNDLE_BYTES} bytes or more): it would run as the bare Bun CLI`;
  if (!sections.has(".symtab")) return `${path} was stripped (no .symtab): a stripped compiled Bun binary runs as the bare Bun CLI`;
  return undefined;
}
