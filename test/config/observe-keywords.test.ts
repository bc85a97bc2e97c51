// The config keywords of issue 9: StaleAfter, CommandTimeout, AnnounceStale.
import { describe, expect, test } from "bun:test";
import { DEFAULT_SERVER_CONFIG, parseServerConfig } from "../../src/config/server-config.ts";

describe("observability keywords", () => {
  test("defaults: stale after 120 s, late after 120 s, no announcements", () => {
    expect(DEFAULT_SERVER_CONFIG).toMatchObject({ staleAfterSec: 120, commandTimeoutSec: 120, announceStale: false });
    expect(parseServerConfig("ServerID IS\n").config).toMatchObject({ staleAfterSec: 120, commandTimeoutSec: 120, announceStale: false });
  });

  test("seconds may have decimals, 0 turns a flag off, keywords are case-insensitive", () => {
    const { config, problems } = parseServerConfig("staleafter 0.5\nCOMMANDTIMEOUT 0\nAnnounceStale\n");
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ staleAfterSec: 0.5, commandTimeoutSec: 0, announceStale: true });
  });

  test("a value that is not a number of seconds makes the file invalid, naming the line", () => {
    for (const bad of ["StaleAfter -1", "StaleAfter soon", "CommandTimeout 1e3", "CommandTimeout"]) {
      const { problems } = parseServerConfig(`ServerID IS\n${bad}\n`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ line: 2, fatal: true });
    }
  });
});
