// The one escaper for wire text on its way to a terminal, a script or the log.
import { describe, expect, test } from "bun:test";
import { escapeControls, hasControlByte } from "../../src/protocol/escape.ts";

describe("escapeControls", () => {
  test("escape sequences and other control characters are shown, not obeyed", () => {
    expect(escapeControls("A1> DONE: \x1b[2J\x07x\r")).toBe("A1> DONE: \\x1b[2J\\x07x\\x0d");
    expect(escapeControls("\x1b]0;pwned\x07")).toBe("\\x1b]0;pwned\\x07");
  });

  test("an embedded newline cannot forge a line: it is shown as \\x0a", () => {
    expect(escapeControls("STATUS: x\nDONE: forged")).toBe("STATUS: x\\x0aDONE: forged");
    expect(escapeControls("a\tb\x00c\x7f")).toBe("a\\x09b\\x00c\\x7f");
  });

  test("C1 controls (a latin1 byte 0x9b is CSI to some terminals) are shown too", () => {
    expect(escapeControls("a\x9bb\x80\x9f")).toBe("a\\x9bb\\x80\\x9f");
  });

  test("printable ASCII and latin1 letters pass unchanged", () => {
    const text = " !~ caf\xe9 \xa0\xff";
    expect(escapeControls(text)).toBe(text);
  });

  test("keepLines keeps newline and tab (text spanning lines on purpose), nothing else", () => {
    expect(escapeControls("line 1\n\tline 2 caf\xe9\r\x1b", { keepLines: true })).toBe("line 1\n\tline 2 caf\xe9\\x0d\\x1b");
  });

  test("asciiOnly leaves printable ASCII alone and escapes every other byte", () => {
    expect(escapeControls("ok caf\xe9\n\x1b", { asciiOnly: true })).toBe("ok caf\\xe9\\x0a\\x1b");
  });

  test("the output never holds a control byte, whatever the input", () => {
    let all = "";
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    expect(escapeControls(all)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(escapeControls(all, { keepLines: true })).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(escapeControls(all, { asciiOnly: true })).toMatch(/^[\x20-\x7e]*$/);
  });
});

test("the runtime log's check finds exactly the bytes the escaper changes, and only within the range", () => {
  const bytes = new Uint8Array(16).fill(0x41);
  for (let value = 0; value < 256; value++) {
    bytes[8] = value;
    expect(hasControlByte(bytes, 0, 16)).toBe(escapeControls(String.fromCharCode(value)) !== String.fromCharCode(value));
    expect(hasControlByte(bytes, 9, 16)).toBe(false);
  }
});
