// Run by read-file.test.ts inside a mount namespace where argv[2] hangs
// (test/helpers/hung-mount.ts): what readSmallFile does with a read that
// never returns. Prints one JSON line per step; after the `refused` step the
// test releases the mount, and this polls until reads are free again.
import { readSmallFile } from "../../src/shared/read-file.ts";
import { waitUntil } from "../helpers/wait.ts";

const [hungPath = "", goodPath = ""] = process.argv.slice(2);
const say = (step: string, value: unknown) => console.log(JSON.stringify({ step, value }));

const limits = { maxBytes: 4096, timeoutMs: 300 };
const started = performance.now();
const first = await readSmallFile(hungPath, limits);
say("hung", { ...first, ms: Math.round(performance.now() - started) });
const t1 = performance.now();
const second = await readSmallFile(goodPath, limits);
say("refused", { ...second, ms: Math.round(performance.now() - t1) });
// The test now releases the mount: the stuck read returns, and reads are free again (only asking tells).
const again = await waitUntil(
  "reads free again",
  async () => {
    const read = await readSmallFile(goodPath, limits);
    return read.ok && read;
  },
  { timeoutMs: 10_000, pollMs: 20 },
).catch(() => undefined);
say("free", again ? { ok: true, text: new TextDecoder().decode(again.bytes) } : { ok: false });
process.exit(again ? 0 : 1);
