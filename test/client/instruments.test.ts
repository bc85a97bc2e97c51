import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_INSTRUMENTS_PATH, findInstrument, instrumentTablePath, loadInstrument } from "../../src/config/instruments.ts";

const dir = mkdtempSync(join(tmpdir(), "isis-instruments-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLE = `; test table
[mods1]
host = 127.0.0.1
port = 6601
server = IS
id = IPC1

[MODS2]
Host = localhost
ID = ipc2
`;

describe("findInstrument", () => {
  test("reads host, port, server and id of a section", () => {
    expect(findInstrument(TABLE, "mods1", "t.ini")).toEqual({
      ok: true,
      instrument: { name: "mods1", host: "127.0.0.1", port: 6601, server: "IS", id: "IPC1" },
    });
  });

  test("section and key names are case-insensitive; port and server have defaults", () => {
    expect(findInstrument(TABLE, "mods2", "t.ini")).toEqual({
      ok: true,
      instrument: { name: "mods2", host: "localhost", port: 6600, server: "IS", id: "ipc2" },
    });
  });

  test("an instrument not in the file is an error naming the file", () => {
    expect(findInstrument(TABLE, "mods3", "/etc/isis/instruments.ini")).toEqual({
      ok: false,
      message: "instrument 'mods3' is not in /etc/isis/instruments.ini (it has no [mods3] section)",
    });
  });

  test.each([
    ["[mods1]\nport = 6600\n", "[mods1] in t.ini has no host"],
    ["[mods1]\nhost = 127.0.0.1\nport = 99999\n", "[mods1] in t.ini: port '99999' is not a number from 1 to 65535"],
    ["[mods1]\nhost = 127.0.0.1\nid = WAYTOOLONGNAME\n", "[mods1] in t.ini: node name 'WAYTOOLONGNAME' is longer than 8 characters"],
    ["[mods1]\nhost = 127.0.0.1\nserver = I\n", "[mods1] in t.ini: node name 'I' is shorter than 2 characters"],
  ])("a bad entry is an error naming the section and file: %j", (text, message) => {
    expect(findInstrument(text, "mods1", "t.ini")).toEqual({ ok: false, message });
  });
});

describe("loadInstrument", () => {
  test("finds the instrument in a real file", async () => {
    const path = join(dir, "found.ini");
    writeFileSync(path, TABLE);
    expect(await loadInstrument("mods1", path)).toMatchObject({ ok: true, instrument: { host: "127.0.0.1", port: 6601 } });
  });

  test("a missing file is an error naming it and the ways to give another", async () => {
    const path = join(dir, "absent.ini");
    expect(await loadInstrument("mods1", path)).toEqual({
      ok: false,
      message: `cannot read the instrument table ${path}: no such file (give one with --config FILE or ISIS_INSTRUMENTS, or use --host)`,
    });
  });
});

describe("which file", () => {
  test("--config beats ISIS_INSTRUMENTS beats the default path", () => {
    expect(instrumentTablePath("/a.ini", { ISIS_INSTRUMENTS: "/b.ini" })).toBe("/a.ini");
    expect(instrumentTablePath(undefined, { ISIS_INSTRUMENTS: "/b.ini" })).toBe("/b.ini");
    expect(instrumentTablePath(undefined, {})).toBe(DEFAULT_INSTRUMENTS_PATH);
    expect(DEFAULT_INSTRUMENTS_PATH).toBe("/etc/isis/instruments.ini");
  });
});

describe("install/instruments.ini, the default the installer writes", () => {
  // The field table is in the spec (its excerpt in test/fixtures/spec); it is
  // read from there so that the private addresses are parsed here and never
  // typed into a test.
  const spec = readFileSync(resolve(import.meta.dir, "../fixtures/spec/client-field-table.md"), "utf8");
  const rows = [...spec.matchAll(/^\s*\| (MODS\d) \| (\S+) \| (\d+) \| (\S+) \| (\S+) \|$/gm)];
  const shipped = readFileSync(resolve(import.meta.dir, "../../install/instruments.ini"), "utf8");

  test("the spec's table has both instruments", () => {
    expect(rows.map((r) => r[1])).toEqual(["MODS1", "MODS2"]);
  });

  test.each([["MODS1"], ["MODS2"]])("%s matches the spec's field table", (name) => {
    const row = rows.find((r) => r[1] === name) as RegExpMatchArray;
    expect(findInstrument(shipped, name, "install/instruments.ini")).toEqual({
      ok: true,
      instrument: { name: name.toLowerCase(), host: row[2] as string, port: Number(row[3]), server: row[4] as string, id: row[5] as string },
    });
  });
});
