import { defineCommand } from "citty";

// Placeholder until the uninstall command lands; see the issue tracker.
export default defineCommand({
  meta: { name: "uninstall", description: "not built yet" },
  run() {
    throw new Error("isis uninstall is not built yet");
  },
});
