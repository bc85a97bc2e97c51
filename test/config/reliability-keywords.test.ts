// ExecAllow, Pin, StateFile and FloodLimit in the runtime config file.
import { describe, expect, test } from "bun:test";
import { describePin } from "../../src/config/access-values.ts";
import { DEFAULT_SERVER_CONFIG, parseServerConfig } from "../../src/config/server-config.ts";

const parse = (text: string) => parseServerConfig(text);
const fatal = (text: string) => parse(text).problems.filter((p) => p.fatal);

describe("defaults, as the old server behaved", () => {
  test("anyone may EXEC:, nothing pinned, state file in the default place, flood limit 1000/s burst 2000", () => {
    const { config, problems } = parse("ServerID IS\n");
    expect(problems).toEqual([]);
    expect(config.execAllow).toBeUndefined();
    expect(config.pins.size).toBe(0);
    expect(config.stateFile).toBeUndefined();
    expect([config.floodRate, config.floodBurst]).toEqual([1000, 2000]);
    expect(DEFAULT_SERVER_CONFIG.execAllow).toBeUndefined();
  });
});

describe("ExecAllow", () => {
  test("networks on one or several lines add up", () => {
    const { config } = parse("ExecAllow 127.0.0.0/8 192.168.139.0/24\nexecallow 10.1.2.3\n");
    expect(config.execAllow?.map((n) => n.text)).toEqual(["127.0.0.0/8", "192.168.139.0/24", "10.1.2.3"]);
  });

  test("'none' allows serial clients only; 'any' anyone", () => {
    expect(parse("ExecAllow none\n").config.execAllow).toEqual([]);
    expect(parse("ExecAllow 10.0.0.0/8\nExecAllow any\n").config.execAllow).toBeUndefined();
  });

  test("a bad network or no value makes the file invalid (a skipped security line would leave the door open)", () => {
    expect(fatal("ExecAllow 10.0.0.0/40\n")[0]?.message).toContain("bad prefix length");
    expect(fatal("ExecAllow lbt.example\n")[0]?.message).toContain("not an IPv4 address or network");
    expect(fatal("ExecAllow\n")[0]?.line).toBe(1);
  });
});

describe("Pin", () => {
  test("binds an upper-cased name to an address, address:port, ttyK or device; lines add up", () => {
    const { config, problems } = parse("Pin m1.ie 127.0.0.1:10700\nPin M1.IE tty0\nPin M1.CB /dev/ttyUSB0 192.168.139.20\n");
    expect(problems).toEqual([]);
    expect(config.pins.get("M1.IE")?.map(describePin)).toEqual(["127.0.0.1:10700", "tty0"]);
    expect(config.pins.get("M1.CB")?.map(describePin)).toEqual(["/dev/ttyUSB0", "192.168.139.20"]);
  });

  test("a bad name, a bad target or a missing target makes the file invalid", () => {
    expect(fatal("Pin M1.IE.TOOLONG 127.0.0.1\n")[0]?.message).toContain("longer than 8");
    expect(fatal("Pin M1.IE somehost\n")[0]?.message).toContain("Pin M1.IE:");
    expect(fatal("Pin M1.IE\n")).toHaveLength(1);
  });
});

describe("StateFile", () => {
  test("a path, or off", () => {
    expect(parse("StateFile /var/lib/isis/hosts.json\n").config.stateFile).toBe("/var/lib/isis/hosts.json");
    expect(parse("StateFile off\n").config.stateFile).toBe(false);
    expect(parse("StateFile NONE\n").config.stateFile).toBe(false);
    expect(fatal("StateFile\n")).toHaveLength(1);
    expect(fatal("StateFile a b\n")).toHaveLength(1);
  });
});

describe("FloodLimit", () => {
  test("RATE [BURST]; the burst defaults to two seconds' worth; off or 0 disables", () => {
    const one = parse("FloodLimit 500\n").config;
    expect([one.floodRate, one.floodBurst]).toEqual([500, 1000]);
    const two = parse("FloodLimit 500 50\n").config;
    expect([two.floodRate, two.floodBurst]).toEqual([500, 50]);
    expect(parse("FloodLimit off\n").config.floodRate).toBe(0);
    expect(parse("FloodLimit 0\n").config.floodRate).toBe(0);
  });

  test("anything else makes the file invalid", () => {
    for (const bad of ["FloodLimit fast", "FloodLimit 10 x", "FloodLimit 10 0", "FloodLimit 1 2 3", "FloodLimit -5"]) {
      expect(fatal(`${bad}\n`)).toHaveLength(1);
    }
  });
});
