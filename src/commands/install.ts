import { defineCommand } from "citty";

// Placeholder until the install command lands; see the issue tracker.
export default defineCommand({
  meta: { name: "install", description: "not built yet" },
  run() {
    throw new Error("isis install is not built yet");
  },
});
