import { describe, expect, test } from "bun:test";
import { HostTable, MAX_HOSTS, Touch } from "../../src/core/host-table.ts";
import { UdpEndpoints, udpEndpoint } from "../../src/shared/endpoint.ts";

const at = (port: number) => udpEndpoint("127.0.0.1", port);

describe("HostTable", () => {
  test("adds, refreshes and moves a client in its slot", () => {
    const t = new HostTable();
    expect(t.touch("A1", at(1000), 1)).toBe(Touch.Added);
    expect(t.touch("A1", at(1000), 2)).toBe(Touch.Refreshed);
    expect(t.get("A1")?.lastHeard).toBe(2);
    expect(t.touch("A1", at(2000), 3)).toBe(Touch.Moved);
    expect(t.get("A1")?.endpoint).toEqual(at(2000));
    expect(t.get("A1")?.slot).toBe(0);
  });

  test("holds 32 clients; the 33rd is refused, known ones still refresh", () => {
    const t = new HostTable();
    for (let i = 0; i < MAX_HOSTS; i++) expect(t.touch(`C${i}`, at(i + 1), 0)).toBe(Touch.Added);
    expect(t.touch("LATE", at(9999), 0)).toBe(Touch.Full);
    expect(t.touch("C5", at(6), 1)).toBe(Touch.Refreshed);
    expect(t.size).toBe(32);
  });

  test("a removed client frees its slot for the next one", () => {
    const t = new HostTable();
    t.touch("A1", at(1), 0);
    t.touch("B1", at(2), 0);
    t.touch("C1", at(3), 0);
    expect(t.remove("B1")).toBe(true);
    expect(t.remove("B1")).toBe(false);
    t.touch("D1", at(4), 0);
    expect(t.entries().map((e) => `${e.slot}:${e.name}`)).toEqual(["0:A1", "1:D1", "2:C1"]);
  });
});

describe("UdpEndpoints", () => {
  test("a peer heard again gets the same endpoint object; another address on the same port does not", () => {
    const peers = new UdpEndpoints();
    const a = peers.ofText("127.0.0.1", 4000);
    expect(peers.ofText("127.0.0.1", 4000)).toBe(a);
    // Read in a batch, the same peer comes as numbers: the same object.
    expect(peers.of(0x7f000001, 4000)).toBe(a);
    const b = peers.ofText("127.0.0.2", 4000);
    expect(b).not.toBe(a);
    expect(b).toEqual({ kind: "udp", address: "127.0.0.2", port: 4000, ipv4: 0x7f000002 });
  });

  test("stays bounded when a sender rotates its source port", () => {
    const peers = new UdpEndpoints(8);
    for (let port = 1; port <= 100; port++) expect(peers.ofText("127.0.0.1", port).port).toBe(port);
    expect(peers.size).toBeLessThanOrEqual(8);
  });
});
