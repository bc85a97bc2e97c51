// Our dotted-quad check against node:net's, which the server no longer loads.
import { expect, test } from "bun:test";
import { isIPv4 as nodeIsIPv4 } from "node:net";
import { isIPv4 } from "../../src/shared/endpoint.ts";

test("isIPv4 answers as node:net's isIPv4 does, on the usual, the edge and random cases", () => {
  const cases = [
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "1.2.3.04",
    "1.2.3.4 ",
    " 1.2.3.4",
    "1..2.3",
    "a.b.c.d",
    "",
    "192.168.139.130",
    "10.0.0.1/24",
    "::1",
    "1.2.3.4\n",
    "-1.2.3.4",
    "1.2.3.4:6600",
    "249.250.251.199",
  ];
  const chars = "0123456789.:a \n";
  for (let i = 0; i < 20_000; i++) {
    const length = 1 + Math.floor(Math.random() * 16);
    cases.push(Array.from({ length }, () => chars[Math.floor(Math.random() * chars.length)]).join(""));
  }
  for (let i = 0; i < 5000; i++) cases.push(Array.from({ length: 4 }, () => Math.floor(Math.random() * 300)).join("."));
  const differ = cases.filter((c) => isIPv4(c) !== nodeIsIPv4(c));
  expect(differ).toEqual([]);
});
