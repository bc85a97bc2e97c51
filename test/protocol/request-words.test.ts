// A body read the way the field's agents read it (their C library's
// sscanf("%s %s %[^\n]")): the table of spellings an attacker would try.
// test/e2e/adversary.test.ts sends the same table through the compiled server
// to an agent that splits with sscanf itself.
import { describe, expect, test } from "bun:test";
import { bodyInfo, isExecutive, isReply, readRequest } from "../../src/protocol/body-kind.ts";
import { firstWord, isWordSpace, splitWords } from "../../src/protocol/words.ts";
import { EXECUTIVE_SPELLINGS, NOT_EXECUTIVE } from "./spellings.ts";

describe("words, as sscanf's %s splits them", () => {
  test("space, TAB, LF, VT, FF and CR separate words; nothing else does", () => {
    const spaces = [];
    for (let c = 0; c < 256; c++) if (isWordSpace(c)) spaces.push(c);
    expect(spaces).toEqual([9, 10, 11, 12, 13, 32]);
    expect(splitWords(" a\tb\nc\x0bd\fe\rf  g\xa0h ")).toEqual(["a", "b", "c", "d", "e", "f", "g\xa0h"]);
    expect(splitWords("")).toEqual([]);
    expect(firstWord("\t\r\nDONE: x")).toBe("DONE:");
  });
});

describe("executive requests", () => {
  test.each(EXECUTIVE_SPELLINGS.map((b) => [JSON.stringify(b), b]))("%s is executive", (_, body) => {
    expect(isExecutive(body as string)).toBe(true);
    expect(readRequest(body as string).exec).toBe(true);
  });

  test.each(NOT_EXECUTIVE.map((b) => [JSON.stringify(b), b]))("%s is not", (_, body) => {
    expect(isExecutive(body as string)).toBe(false);
  });
});

describe("readRequest: the command and its arguments", () => {
  test("the type words are read off, the command is the next word as written", () => {
    expect(readRequest("EXEC:\tQUIT now")).toEqual({ type: "EXEC", exec: true, words: ["QUIT", "now"] });
    expect(readRequest("REQ: EXEC: quit")).toEqual({ type: "EXEC", exec: true, words: ["quit"] });
    expect(readRequest("exec:quit")).toEqual({ type: "EXEC", exec: true, words: ["quit"] });
    expect(readRequest("ping")).toEqual({ type: undefined, exec: false, words: ["ping"] });
    expect(readRequest("\tREQ:\tHOST\tM1.IE")).toEqual({ type: "REQ", exec: false, words: ["HOST", "M1.IE"] });
    expect(readRequest("EXEC:")).toEqual({ type: "EXEC", exec: true, words: [] });
  });

  test("after a request type, a reply's type word is the command (`REQ: DONE: x`), as the agents read it", () => {
    expect(readRequest("REQ: DONE: x")).toEqual({ type: "REQ", exec: false, words: ["DONE:", "x"] });
    expect(readRequest("DONE: REQ: x")).toEqual({ type: "DONE", exec: false, words: ["REQ:", "x"] });
  });

  test("replies are recognised however they are spaced or glued, and never answered", () => {
    for (const yes of ["STATUS: moving", "\tDONE: x", "done:\nx", "DONE:FILTER x", "ERROR:", "FATAL: y", "WARNING:\tz"]) expect(isReply(yes)).toBe(true);
    for (const no of ["EXEC: QUIT", "REQ: DONE: x", "PING", "", "DONEX: y", "\xa0DONE: x"]) expect(isReply(no)).toBe(false);
  });

  test("bodyInfo agrees: the kind and the command word the in-flight table pairs", () => {
    expect(bodyInfo("\tEXEC:\tquit")).toEqual({ kind: "EXEC", word: "QUIT" });
    expect(bodyInfo("REQ: EXEC: abort")).toEqual({ kind: "EXEC", word: "ABORT" });
    expect(bodyInfo("EXEC: PING")).toEqual({ kind: "PING", word: "PING" });
    expect(bodyInfo("DONE:\tfilter X=1")).toEqual({ kind: "DONE", word: "FILTER" });
    expect(bodyInfo("done:FILTER X=1")).toEqual({ kind: "DONE", word: "FILTER" });
  });
});
