import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CmdOptions, parseCmdArgs } from "../../src/client/args.ts";
import { instrumentFromHostname, NO_INSTRUMENT, resolveTarget, type TargetDeps } from "../../src/client/target.ts";
import { loadInstrument } from "../../src/config/instruments.ts";

const dir = mkdtempSync(join(tmpdir(), "isis-target-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const table = join(dir, "instruments.ini");
writeFileSync(table, "[mods1]\nhost = 127.0.0.1\nport = 6601\nserver = IS\nid = IPC1\n\n[mods2]\nhost = 127.0.0.1\nport = 6602\nid = IPC2\n");

const deps = (over: Partial<TargetDeps> = {}): TargetDeps => ({ hostname: () => "lab-pc", env: { ISIS_INSTRUMENTS: table }, loadInstrument, ...over });

function options(argv: string[]): CmdOptions {
  const parsed = parseCmdArgs(argv);
  if (parsed.action !== "run") throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

describe("the default instrument comes from the host name", () => {
  test.each([
    ["mods1", "mods1"],
    ["mods1.lbto.org", "mods1"],
    ["MODS2-ws", "mods2"],
    ["mods", undefined],
    ["obs1", undefined],
    ["vm", undefined],
  ])("%s -> %s", (hostname, instrument) => {
    expect(instrumentFromHostname(hostname)).toBe(instrument);
  });

  test("on mods2... no option is needed", async () => {
    expect(await resolveTarget(options(["is", "status"]), deps({ hostname: () => "mods2.lbto.org" }))).toEqual({
      ok: true,
      target: { host: "127.0.0.1", port: 6602, server: "IS", id: "IPC2", label: "MODS2" },
    });
  });

  test("elsewhere an instrument is required: the old client's error, exit 2", async () => {
    const result = await resolveTarget(options(["is", "status"]), deps());
    expect(result).toBe(NO_INSTRUMENT);
    expect(NO_INSTRUMENT).toMatchObject({ message: "** ERROR: You did not specify which MODS Instrument to use", exitCode: 2 });
  });
});

describe("from the instrument table", () => {
  test("--mods1 takes host, port, server and id from the table", async () => {
    expect(await resolveTarget(options(["--mods1", "is", "status"]), deps())).toEqual({
      ok: true,
      target: { host: "127.0.0.1", port: 6601, server: "IS", id: "IPC1", label: "MODS1" },
    });
  });

  test("an explicit option beats the host name", async () => {
    const result = await resolveTarget(options(["-m", "1", "is", "status"]), deps({ hostname: () => "mods2" }));
    expect(result).toMatchObject({ ok: true, target: { id: "IPC1" } });
  });

  test("--config beats ISIS_INSTRUMENTS", async () => {
    const other = join(dir, "other.ini");
    writeFileSync(other, "[mods1]\nhost = localhost\nid = OTHER\n");
    const result = await resolveTarget(options(["--config", other, "--mods1", "is", "status"]), deps());
    expect(result).toMatchObject({ ok: true, target: { host: "localhost", port: 6600, id: "OTHER" } });
  });

  test("--id, --server and --host override the table's entry", async () => {
    const result = await resolveTarget(options(["--mods1", "--id", "ENG1", "--server", "IS2", "--host", "localhost", "is", "status"]), deps());
    expect(result).toEqual({ ok: true, target: { host: "localhost", port: 6600, server: "IS2", id: "ENG1", label: "MODS1" } });
  });

  test("an instrument missing from the file: exit 2, naming the file", async () => {
    const partial = join(dir, "only-mods2.ini");
    writeFileSync(partial, "[mods2]\nhost = 127.0.0.1\n");
    expect(await resolveTarget(options(["--config", partial, "--mods1", "is", "status"]), deps())).toEqual({
      ok: false,
      message: `** ERROR: instrument 'mods1' is not in ${partial} (it has no [mods1] section)`,
      hints: [],
      exitCode: 2,
      legacy: true,
    });
  });

  test("a missing file: exit 2, naming the file", async () => {
    const absent = join(dir, "absent.ini");
    const result = await resolveTarget(options(["--mods1", "is", "status"]), deps({ env: { ISIS_INSTRUMENTS: absent } }));
    expect(result).toMatchObject({ ok: false, exitCode: 2 });
    expect(result.ok ? "" : result.message).toStartWith(`** ERROR: cannot read the instrument table ${absent}: no such file`);
  });
});

describe("direct use", () => {
  test("--host alone needs no table: port 6600, server IS, id ISISCMD", async () => {
    const noTable = deps({ env: {}, hostname: () => "mods1", loadInstrument: async () => ({ ok: false, message: "table read" }) });
    expect(await resolveTarget(options(["--host", "127.0.0.1", "is", "status"]), noTable)).toEqual({
      ok: true,
      target: { host: "127.0.0.1", port: 6600, server: "IS", id: "ISISCMD", label: "127.0.0.1" },
    });
  });

  test("--host with a port", async () => {
    const result = await resolveTarget(options(["--host", "127.0.0.1:7001", "--id", "ENG1", "is", "status"]), deps());
    expect(result).toMatchObject({ ok: true, target: { port: 7001, id: "ENG1" } });
  });
});

describe("node names are checked before anything is sent", () => {
  test.each([
    [["--host", "127.0.0.1", "x", "status"], "invalid destination: node name 'x' is shorter than 2 characters"],
    [["--host", "127.0.0.1", "is>x", "status"], "invalid destination: node name 'is>x' has characters other than letters, digits, '.' and '_'"],
    [["--host", "127.0.0.1", "--id", "NINECHARS", "is", "status"], "invalid --id: node name 'NINECHARS' is longer than 8 characters"],
    [["--host", "127.0.0.1", "--server", "I S", "is", "status"], "invalid --server: node name 'I S' has characters other than letters, digits, '.' and '_'"],
  ])("%j: %s (usage error, exit 1)", async (argv, message) => {
    expect(await resolveTarget(options(argv), deps())).toEqual({ ok: false, message, hints: [], exitCode: 1, legacy: false });
  });
});
