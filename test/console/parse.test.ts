import { describe, expect, test } from "bun:test";
import { KEYBOARD_COMMANDS, parseConsoleLine } from "../../src/console/parse.ts";

describe("parseConsoleLine", () => {
  test("a blank or all-space line does nothing", () => {
    expect(parseConsoleLine("")).toEqual({ kind: "empty" });
    expect(parseConsoleLine("   ")).toEqual({ kind: "empty" });
  });

  test("each keyboard command, in any case, is the console's own", () => {
    for (const command of KEYBOARD_COMMANDS) {
      expect(parseConsoleLine(command)).toEqual({ kind: "keyboard", command });
      expect(parseConsoleLine(` ${command.toUpperCase()} `)).toEqual({ kind: "keyboard", command });
    }
  });

  test("quit in any spelling is the console's quit, so the shutdown notice always goes out", () => {
    for (const line of ["quit", "QUIT now", "EXEC: QUIT", "exec: quit", "REQ: quit"]) {
      expect(parseConsoleLine(line)).toEqual({ kind: "keyboard", command: "quit" });
    }
  });

  test("a keyboard word with arguments, or behind EXEC:, goes to the server", () => {
    expect(parseConsoleLine("hosts all")).toEqual({ kind: "server", body: "hosts all" });
    expect(parseConsoleLine("EXEC: HOSTS")).toEqual({ kind: "server", body: "EXEC: HOSTS" });
  });

  test("anything else is a server command, trimmed, with its words kept as typed", () => {
    expect(parseConsoleLine("ping")).toEqual({ kind: "server", body: "ping" });
    expect(parseConsoleLine("  udpping 127.0.0.1  6600 ")).toEqual({ kind: "server", body: "udpping 127.0.0.1  6600" });
    expect(parseConsoleLine("host")).toEqual({ kind: "server", body: "host" });
  });

  test(">NAME text sends to NAME (upper-cased) with the text after the first space", () => {
    expect(parseConsoleLine(">m1.ie filter  2")).toEqual({ kind: "send", dest: "M1.IE", broadcast: false, text: "filter  2" });
  });

  test(">AL and >ALL broadcast", () => {
    expect(parseConsoleLine(">al PING")).toEqual({ kind: "send", dest: "AL", broadcast: true, text: "PING" });
    expect(parseConsoleLine(">ALL PING")).toEqual({ kind: "send", dest: "AL", broadcast: true, text: "PING" });
  });

  test("a send with no name or no text is refused with the usage", () => {
    for (const line of [">", "> PING", ">M1", ">M1   "]) {
      const action = parseConsoleLine(line);
      expect(action.kind).toBe("invalid");
      if (action.kind === "invalid") expect(action.message).toStartWith("usage: >NAME text");
    }
  });
});
