// One escaper for control bytes, and the fast check the runtime log makes of every entry.
import { expect, test } from "bun:test";
import { escapeControl, hasControlByte } from "../../src/protocol/escape.ts";

test("C0 controls and DEL are written as \\xNN; printable and latin1 text is left as it is", () => {
  expect(escapeControl("A1>B1 two\nlines\r\x1b[2J\x7f")).toBe("A1>B1 two\\x0alines\\x0d\\x1b[2J\\x7f");
  expect(escapeControl("caf\xe9 ~ \\x0a")).toBe("caf\xe9 ~ \\x0a");
});

test("the runtime log's check finds exactly the bytes the escaper changes, and only within the range", () => {
  const bytes = new Uint8Array(16).fill(0x41);
  for (let value = 0; value < 256; value++) {
    bytes[8] = value;
    expect(hasControlByte(bytes, 0, 16)).toBe(escapeControl(String.fromCharCode(value)) !== String.fromCharCode(value));
    expect(hasControlByte(bytes, 9, 16)).toBe(false);
  }
});
