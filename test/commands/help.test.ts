// Help rendered from a command's option definitions: what `isis server --help`,
// `isis install --help` and `isis uninstall --help` print.
import { describe, expect, test } from "bun:test";
import { renderHelp } from "../../src/commands/_command.ts";

describe("renderHelp", () => {
  const text = renderHelp({
    usage: ["isis demo [-d] [-f FILE]", "isis -d -fFILE"],
    description: "A demonstration.",
    options: {
      daemon: { type: "boolean", alias: "d", description: "Run in the background" },
      file: { type: "string", alias: "f", valueHint: "FILE", description: "The config file" },
      "dry-run": { type: "boolean", description: "Change nothing" },
      version: { type: "boolean", alias: "v", description: "The old -v" },
    },
    notes: ["A note."],
  });

  test("usage lines, description, one aligned line per option with its spellings and value, then notes", () => {
    expect(text).toBe(
      [
        "",
        "Usage: isis demo [-d] [-f FILE]",
        "       isis -d -fFILE",
        "",
        "A demonstration.",
        "",
        "Options:",
        "  -d, --daemon     Run in the background",
        "  -f, --file FILE  The config file",
        "  --dry-run        Change nothing",
        "  -v, --version    The old -v",
        "  -h, --help       Print this help and exit",
        "",
        "A note.",
        "",
      ].join("\n"),
    );
  });

  test("--help and --version are always listed, a command's own --version (with -v) taking the place of the common one", () => {
    expect(text.match(/--version/g)).toHaveLength(1);
    const bare = renderHelp({ usage: ["isis x"], description: "X.", options: {} });
    expect(bare).toContain("  -h, --help  Print this help and exit\n  --version   Print the version and exit\n");
  });

  test("plain text: no escape sequences, whatever the terminal", () => {
    expect(text).not.toContain("\x1b");
  });
});
