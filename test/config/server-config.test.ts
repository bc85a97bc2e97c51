import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SERVER_CONFIG, EMBEDDED_CONFIG_TEXT, loadServerConfig, parseServerConfig } from "../../src/config/server-config.ts";
import { makeTempDir } from "../helpers/server.ts";

// The real files from the field (copies in test/fixtures/config): parsed only, never served on.
const FIELD = join(import.meta.dir, "../fixtures/config");
const field = (name: string) => parseServerConfig(readFileSync(join(FIELD, name), "latin1"));

describe("field config files", () => {
  test("isis_MODS1.ini: IS on 6600, UTC logs, six presets, no serial ports", () => {
    const { config, problems } = field("isis_MODS1.ini");
    expect(problems).toEqual([]);
    expect(config.serverId).toBe("IS");
    expect(config.serverPort).toBe(6600);
    expect(config.serverLog).toBe("/home/Logs/ISIS/isis");
    expect(config.logDateUtc).toBe(true);
    expect(config.ttyPorts).toEqual([]);
    expect(config.presetPorts).toHaveLength(6);
    expect(config.presetPorts[5]).toEqual({ host: "192.168.139.130", port: 20801 });
    expect(config.instrument).toBe("MODS1");
    expect(config.verbose).toBe(false);
  });

  test("isis_MODS2.ini: instrument MODS2", () => {
    const { config } = field("isis_MODS2.ini");
    expect(config.instrument).toBe("MODS2");
    expect(config.presetPorts).toHaveLength(6);
  });

  test("isis_lab_2009.ini: four serial ports, observing-day log dates", () => {
    const { config, problems } = field("isis_lab_2009.ini");
    expect(problems).toEqual([]);
    expect(config.ttyPorts).toEqual(["/dev/ttyD0", "/dev/ttyD1", "/dev/ttyD2", "/dev/ttyD3"]);
    expect(config.presetPorts).toHaveLength(4);
    expect(config.logDateUtc).toBe(false);
    expect(config.serverLog).toBe("/lhome/Logs/ISIS/isis");
  });

  test("isis_test_2009.ini: server IX on 16600", () => {
    const { config } = field("isis_test_2009.ini");
    expect(config.serverId).toBe("IX");
    expect(config.serverPort).toBe(16600);
    expect(config.instrument).toBe("MODS1_Test");
  });
});

describe("parseServerConfig", () => {
  test("defaults match the spec", () => {
    expect(parseServerConfig("").config).toEqual(DEFAULT_SERVER_CONFIG);
  });

  test("keywords are case-insensitive; flags switch things off and on", () => {
    const { config } = parseServerConfig("serverid ab\nNOLOG\nverbose\nNoHandshaking\ninst X\n");
    expect(config.serverId).toBe("AB");
    expect(config.logEnabled).toBe(false);
    expect(config.verbose).toBe(true);
    expect(config.handshake).toBe(false);
    expect(config.instrument).toBe("X");
  });

  test("an unknown keyword is a warning with its line number, parsing goes on", () => {
    const { config, problems } = parseServerConfig("# c\nFrobnicate 1\nServerPort 7\n");
    expect(problems).toEqual([{ line: 2, message: "unknown keyword 'Frobnicate' ignored", fatal: false }]);
    expect(config.serverPort).toBe(7);
  });

  test("the 9th TTYPort and 13th UDPPort are errors and ignored", () => {
    const tty = Array.from({ length: 9 }, (_, i) => `TTYPort /dev/ttyS${i}`).join("\n");
    const udp = Array.from({ length: 13 }, (_, i) => `UDPPort 127.0.0.1 ${10000 + i}`).join("\n");
    const { config, problems } = parseServerConfig(`${tty}\n${udp}\n`);
    expect(config.ttyPorts).toHaveLength(8);
    expect(config.presetPorts).toHaveLength(12);
    expect(problems.map((p) => p.line)).toEqual([9, 22]);
    expect(problems.every((p) => !p.fatal)).toBe(true);
  });

  test("a preset with a host that is not IPv4 is skipped with an error, the rest kept", () => {
    const { config, problems } = parseServerConfig("UDPPort mods1 10700\nUDPPort 127.0.0.1 10701\n");
    expect(config.presetPorts).toEqual([{ host: "127.0.0.1", port: 10701 }]);
    expect(problems[0]?.message).toContain("not a valid IPv4 address");
  });

  test("control bytes in the file (an escape sequence, a bell) are shown escaped: each problem stays one clean line", () => {
    const parsed = parseServerConfig("Fo\x1b[31mo bar\nServerPort 12\x0734\n");
    expect(parsed.problems.map((p) => p.message)).toEqual(["unknown keyword 'Fo\\x1b[31mo' ignored", "ServerPort '12\\x0734' is not a port number (0-65535)"]);
  });

  test("a file saved with a byte-order mark or CRLF line ends reads the same (read as latin1, or decoded)", () => {
    const text = "ServerID M1\r\nServerPort 6601\r\n";
    for (const bom of ["\xef\xbb\xbf", "\ufeff", ""]) {
      const parsed = parseServerConfig(bom + text);
      expect(parsed.problems).toEqual([]);
      expect(parsed.config).toMatchObject({ serverId: "M1", serverPort: 6601 });
    }
  });

  test("lines longer than 79 characters are not cut", () => {
    const long = `/tmp/${"d".repeat(120)}/isis`;
    expect(parseServerConfig(`ServerLog ${long}\n`).config.serverLog).toBe(long);
  });

  test("bad values are fatal and say which line", () => {
    for (const [text, line] of [
      ["ServerPort sixty\n", 1],
      ["\nServerPort 70000\n", 2],
      ["ServerID A-B\n", 1],
      ["UDPPort 127.0.0.1\n", 1],
      ["ServerLog\n", 1],
    ] as const) {
      const fatal = parseServerConfig(text).problems.find((p) => p.fatal);
      expect(fatal?.line).toBe(line);
    }
  });

  test("the embedded default is loopback safe: no presets, no serial ports, port 6600", () => {
    const { config, problems } = parseServerConfig(EMBEDDED_CONFIG_TEXT);
    expect(problems).toEqual([]);
    expect(config.presetPorts).toEqual([]);
    expect(config.ttyPorts).toEqual([]);
    expect(config.serverPort).toBe(6600);
  });
});

describe("loadServerConfig", () => {
  test("a missing file is a reason naming it", async () => {
    const r = await loadServerConfig("/nonexistent/isis.ini");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe("cannot read config file /nonexistent/isis.ini: no such file");
  });

  test("an invalid file is a reason with file:line", async () => {
    const path = join(makeTempDir(), "bad.ini");
    writeFileSync(path, "ServerID IS\nServerPort x\n");
    const r = await loadServerConfig(path);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(`${path}:2: ServerPort 'x' is not a port number (0-65535)`);
  });
});
