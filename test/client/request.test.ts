import { describe, expect, test } from "bun:test";
import { commandText, requestDatagram } from "../../src/client/request.ts";

describe("the = rule", () => {
  test("every = in the command is sent as a space", () => {
    expect(commandText(["filter", "pos=2", "mode=fast"])).toBe("filter pos 2 mode fast");
  });

  test("runs of spaces collapse, as the old client's join-and-split did", () => {
    expect(commandText(["a==b", "  c  ", "d"])).toBe("a b c d");
    expect(commandText(["msg 'two  words'"])).toBe("msg 'two words'");
  });

  test("words that look like options pass through unchanged", () => {
    expect(commandText(["offset", "-5", "--x"])).toBe("offset -5 --x");
  });

  test("a command of only = is empty (the caller refuses it)", () => {
    expect(commandText(["=", "=="])).toBe("");
  });
});

describe("the request datagram", () => {
  test("is ID>DEST command\\r with the node names upper-cased", () => {
    expect(requestDatagram("ipc1", "m1.ie", "filter 2")).toBe("IPC1>M1.IE filter 2\r");
  });
});
