import { describe, expect, test } from "bun:test";
import { chooseStyle, renderDone, renderFailure, renderLine, renderProgress, timeoutText } from "../../src/client/render.ts";

const tty = { escapes: true } as const;
const plain = { escapes: false } as const;

describe("choosing escapes", () => {
  test("a terminal without NO_COLOR gets escapes", () => {
    expect(chooseStyle(true, {}, 80)).toEqual({ escapes: true, columns: 80 });
  });

  test.each([
    [false, {}],
    [undefined, {}],
    [true, { NO_COLOR: "1" }],
  ])("isTTY %p with %j gets none", (isTTY, env) => {
    expect(chooseStyle(isTTY, env).escapes).toBe(false);
  });

  test("an empty NO_COLOR counts as unset (no-color.org)", () => {
    expect(chooseStyle(true, { NO_COLOR: "" }).escapes).toBe(true);
  });
});

describe("on a terminal", () => {
  test("progress erases the line, writes the text and returns to column 0", () => {
    expect(renderProgress("STATUS: filter Moving", tty)).toBe("\x1b[2KSTATUS: filter Moving\r");
  });

  test("progress is cut to the terminal width so it stays on one row", () => {
    expect(renderProgress("STATUS: 0123456789", { escapes: true, columns: 10 })).toBe("\x1b[2KSTATUS: 0\r");
  });

  test("DONE: is cyan on its own line, erasing the progress line first", () => {
    expect(renderDone("DONE: filter", tty)).toBe("\x1b[2K\x1b[36mDONE: filter\x1b[0m\n");
  });

  test("a failure is red with *** before it", () => {
    expect(renderFailure("ERROR: filter stalled", tty)).toBe("\x1b[2K\x1b[31m*** ERROR: filter stalled\x1b[0m\n");
  });
});

describe("for scripts (no terminal or NO_COLOR)", () => {
  test("every message is one plain line, progress included", () => {
    const out = renderProgress("STATUS: a", plain) + renderProgress("WARNING: b", plain) + renderDone("DONE: c", plain);
    expect(out).toBe("STATUS: a\nWARNING: b\nDONE: c\n");
  });

  test("no escape or carriage return anywhere", () => {
    const out = [renderProgress("STATUS: a", plain), renderDone("DONE: c", plain), renderFailure("ERROR: d", plain), renderLine("echo", plain, "green")].join(
      "",
    );
    expect(out).not.toMatch(/[\x1b\r]/);
    expect(out).toBe("STATUS: a\nDONE: c\n*** ERROR: d\necho\n");
  });
});

test("the timeout line is the old client's", () => {
  expect(renderFailure(timeoutText("filter 2", "1"), plain)).toBe("*** ERROR: Command 'filter 2' timed out after 1 seconds\n");
});
