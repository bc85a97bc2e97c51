// renderUnit and the embedded template: what the service unit must say.
import { describe, expect, test } from "bun:test";
import { UNIT_TEMPLATE } from "../../src/installer/assets.ts";
import { renderDropIn, renderTemplateUnit, renderUnit, type UnitParams } from "../../src/installer/unit.ts";

const base: UnitParams = { logDir: "/home/Logs/ISIS", ttyPorts: [] };

function render(params: Partial<UnitParams> = {}): string {
  const result = renderUnit({ ...base, ...params });
  if (!result.ok) throw new Error(result.reason);
  return result.text;
}

const settings = (text: string, key: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));

describe("renderUnit", () => {
  test("ExecStart runs the installed binary in daemon mode, with -f only when a config was given", () => {
    expect(settings(render(), "ExecStart")).toEqual(["/usr/local/bin/isis server -d"]);
    expect(settings(render({ configPath: "/home/dts/Config/isis.ini" }), "ExecStart")).toEqual(["/usr/local/bin/isis server -d -f /home/dts/Config/isis.ini"]);
  });

  test("the log directory is the only writable path, and the MetricsFile's directory when there is one", () => {
    expect(settings(render({ logDir: "/data/logs" }), "ReadWritePaths")).toEqual(["/data/logs"]);
    expect(settings(render({ logDir: "/data/logs", metricsDir: "/var/lib/node_exporter" }), "ReadWritePaths")).toEqual(["/data/logs /var/lib/node_exporter"]);
    expect(settings(render({ logDir: "/data/logs", metricsDir: "/data/logs" }), "ReadWritePaths")).toEqual(["/data/logs"]);
    expect(renderUnit({ ...base, metricsDir: "/var/lib/node exporter" })).toMatchObject({ ok: false, reason: expect.stringMatching(/^MetricsFile directory/) });
  });

  test("each configured TTYPort is added to the device ACL once, after the usual serial drivers", () => {
    const allowed = settings(render({ ttyPorts: ["/dev/ttyD0", "/dev/ttyS1", "/dev/ttyD0"] }), "DeviceAllow");
    expect(allowed).toEqual(["char-ttyS rw", "char-ttyUSB rw", "char-ttyACM rw", "/dev/ttyD0 rw", "/dev/ttyS1 rw"]);
  });

  test("fills in every placeholder, leaving no blank line where the TTYPort lines go when there are none", () => {
    const text = render();
    expect(text).not.toMatch(/@[A-Z_]+@/);
    expect(text).toContain("DeviceAllow=char-ttyACM rw\nProtectKernelTunables=yes");
  });

  test.each([
    ["a space", { logDir: "/home/My Logs" }],
    ["a % specifier", { configPath: "/etc/isis/%i.ini" }],
    ["a $ variable", { configPath: "/etc/isis/$HOST.ini" }],
    ["a relative path", { logDir: "logs" }],
    ["a quote", { ttyPorts: ['/dev/tty"S0'] }],
  ])("refuses a path with %s rather than write a unit that means something else", (_what, params) => {
    const result = renderUnit({ ...base, ...params });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("must be an absolute path");
  });

  test("a template placeholder left unfilled is an error, not a broken unit", () => {
    const result = renderUnit(base, `${UNIT_TEMPLATE}\nUser=@USER@\n`);
    expect(result).toEqual({ ok: false, reason: "unit template has an unfilled @USER@" });
  });
});

describe("the unit template", () => {
  const text = render();

  test("is Type=notify with a watchdog, so a server that hangs is restarted", () => {
    expect(settings(text, "Type")).toEqual(["notify"]);
    expect(settings(text, "WatchdogSec")).toEqual(["30s"]);
    expect(settings(text, "Restart")).toEqual(["always"]);
  });

  test("keeps AF_UNIX (for $NOTIFY_SOCKET) and AF_INET (for IMPv2) among the allowed socket families", () => {
    const families = settings(text, "RestrictAddressFamilies").join(" ").split(" ");
    expect(families).toContain("AF_UNIX");
    expect(families).toContain("AF_INET");
  });

  test("never sets MemoryDenyWriteExecute, which crashes the JIT", () => {
    expect(settings(text, "MemoryDenyWriteExecute")).toEqual([]);
  });

  test("sets USER, which the server reports in VERSION", () => {
    expect(settings(text, "Environment")).toEqual(["USER=systemd"]);
  });

  test("keeps serial ports reachable: devices are limited by an ACL, not hidden", () => {
    expect(settings(text, "PrivateDevices")).toEqual([]);
    expect(settings(text, "DevicePolicy")).toEqual(["closed"]);
  });
});

describe("the template for several servers, and an instance's drop-in", () => {
  test("the template is the one-server unit without what differs per server, with state and journal tag per instance", () => {
    const template = renderTemplateUnit();
    if (!template.ok) throw new Error(template.reason);
    expect(settings(template.text, "StateDirectory")).toEqual(["isis/%i"]);
    expect(settings(template.text, "SyslogIdentifier")).toEqual(["isis-%i"]);
    expect(settings(template.text, "ExecStart")).toEqual([]);
    expect(settings(template.text, "ReadWritePaths")).toEqual([]);
    // Every sandbox setting of the one-server unit is in the template, as it is there.
    const sandbox = [
      "ProtectSystem",
      "CapabilityBoundingSet",
      "SystemCallFilter",
      "RestrictAddressFamilies",
      "DevicePolicy",
      "DeviceAllow",
      "WatchdogSec",
      "Type",
    ];
    for (const key of sandbox) expect({ key, values: settings(template.text, key) }).toEqual({ key, values: settings(render(), key) });
  });

  test("a template that lost a line the instance template edits is an error, not a half-made unit", () => {
    expect(renderTemplateUnit(UNIT_TEMPLATE.replace("StateDirectory=isis\n", ""))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/StateDirectory=isis/),
    });
  });

  test("the drop-in holds the instance's ExecStart, writable directories and serial ports", () => {
    const dropIn = renderDropIn("test", {
      configPath: "/home/dts/Config/isis_test.ini",
      logDir: "/home/Logs/ISIS/test",
      metricsDir: "/var/lib/node_exporter",
      ttyPorts: ["/dev/ttyD1"],
    });
    if (!dropIn.ok) throw new Error(dropIn.reason);
    expect(dropIn.text.slice(dropIn.text.indexOf("[Service]"))).toBe(
      "[Service]\nExecStart=/usr/local/bin/isis server -d -f /home/dts/Config/isis_test.ini\nReadWritePaths=/home/Logs/ISIS/test /var/lib/node_exporter\nDeviceAllow=/dev/ttyD1 rw\n",
    );
    expect(renderDropIn("test", { configPath: "/home/dts/My Config.ini", logDir: "/l", ttyPorts: [] })).toMatchObject({ ok: false });
  });
});
