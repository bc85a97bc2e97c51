// The MetricsFile keyword: off by default, a path and an optional pace.
import { expect, test } from "bun:test";
import { parseServerConfig } from "../../src/config/server-config.ts";

test("MetricsFile is off by default; PATH [SECONDS] turns it on, every 10 s unless told", () => {
  expect(parseServerConfig("ServerID IS\n").config.metricsFile).toBeUndefined();
  expect(parseServerConfig("MetricsFile /var/lib/node_exporter/isis.prom\n").config).toMatchObject({
    metricsFile: "/var/lib/node_exporter/isis.prom",
    metricsEverySec: 10,
  });
  expect(parseServerConfig("metricsfile /m/isis.prom 30\n").config).toMatchObject({ metricsFile: "/m/isis.prom", metricsEverySec: 30 });
  expect(parseServerConfig("MetricsFile off\n").config.metricsFile).toBeUndefined();
});

test("MetricsFile without a path, or with a pace outside 0.1 to 3600 s, makes the config invalid", () => {
  for (const bad of [
    "MetricsFile\n",
    "MetricsFile /x 0\n",
    "MetricsFile /x 0.05\n",
    "MetricsFile /x 3601\n",
    "MetricsFile /x 1 2\n",
    "MetricsFile /x soon\n",
  ]) {
    expect({ bad, problems: parseServerConfig(bad).problems }).toEqual({
      bad,
      problems: [expect.objectContaining({ fatal: true, message: expect.stringMatching(/^MetricsFile needs 'PATH \[SECONDS\]'/) })],
    });
  }
});
