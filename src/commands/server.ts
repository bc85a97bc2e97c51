import { defineCommand } from "citty";
export default defineCommand({
  meta: { name: "server" },
  args: { d: { type: "boolean" }, f: { type: "string" } },
  run({ args, rawArgs }) {
    console.log(JSON.stringify({ args, rawArgs, argv0: process.argv0, argv: process.argv, execPath: process.execPath }));
  },
});
