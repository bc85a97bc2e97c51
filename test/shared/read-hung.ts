// Run by read-file.test.ts inside a mount namespace where argv[2] hangs
// (test/helpers/hung-mount.ts): what readSmallFile does with a read that
// never returns. Prints one JSON line per step; after the `refused` step the
// test releases the mount, and this polls until reads are free again.
import { readSmallFile } from "../../src/shared/read-file.ts";

const [hungPath = "", goodPath = ""] = process.argv.slice(2);
const say = (step: string, value: unknown) => console.log(JSON.stringify({ step, value }));

const limits = { maxBytes: 4096, timeoutMs: 300 };
const started = performance.now();
const first = await readSmallFile(hungPath, limits);
say("hung", { ...first, ms: Math.round(performance.now() - started) });
const t1 = performance.now();
const second = await readSmallFile(goodPath, limits);
say("refused", { ...second, ms: Math.round(performance.now() - t1) });
// The test now releases the mount: the stuck read returns, and reads are free again.
for (let i = 0; i < 500; i++) {
  const again = await readSmallFile(goodPath, limits);
  if (again.ok) {
    say("free", { ok: true, text: new TextDecoder().decode(again.bytes) });
    process.exit(0);
  }
  await Bun.sleep(20);
}
say("free", { ok: false });
