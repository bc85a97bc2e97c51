import { defineCommand } from "citty";

// Placeholder until the cmd command lands; see the issue tracker.
export default defineCommand({
  meta: { name: "cmd", description: "not built yet" },
  run() {
    throw new Error("isis cmd is not built yet");
  },
});
