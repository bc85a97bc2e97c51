// A flood the server is certain to limit, whatever the machine's speed: the
// server is stopped (SIGSTOP) while the flooder (flooder.ts, its own process)
// fills its socket's queue until the kernel drops datagrams, then let go; the
// drop counter arms the flood guard, which limits the flooding host.
import { resolve } from "node:path";
import { kernelDrops } from "./proc.ts";
import type { RunningServer } from "./server.ts";
import { waitUntil } from "./wait.ts";

const FLOODER = resolve(import.meta.dir, "flooder.ts");

export interface FloodOptions {
  /** The datagram, without its `\r`. */
  text: string;
  /** The flooding host's address (a loopback address: 127.0.0.2 is a host of its own). Default 127.0.0.2. */
  from?: string;
  /** How many source ports (sockets) it floods from. Default 1. */
  sockets?: number;
}

export interface Flood {
  /** The flooder's first source port. */
  readonly port: number;
  /** Stop flooding; resolves to the number of datagrams it sent. */
  stop(): Promise<number>;
}

/** Flood the server until the guard has limited the flooding host (its `sends faster` line printed). */
export async function floodUntilLimited(server: RunningServer, options: FloodOptions): Promise<Flood> {
  const from = options.from ?? "127.0.0.2";
  server.proc.kill("SIGSTOP");
  const flooder = Bun.spawn([process.execPath, FLOODER, String(server.port), options.text, from, String(options.sockets ?? 1)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  let output = "";
  void (async () => {
    for await (const chunk of flooder.stdout.pipeThrough(new TextDecoderStream())) output += chunk;
  })();
  try {
    const port = Number((await waitUntil("the flooder's port", () => /port=(\d+)\n/.exec(output)))[1]);
    await waitUntil("the kernel to drop datagrams in front of the stopped server", () => kernelDrops(server.port) > 0);
    server.proc.kill("SIGCONT");
    await server.waitFor(new RegExp(`flood: ${from.replaceAll(".", "\\.")} sends faster than \\d+ datagrams/s while the server is overloaded`), 10_000);
    return {
      port,
      async stop() {
        await flooder.stdin.end();
        await flooder.exited;
        return Number((await waitUntil("the flooder's count", () => /sent=(\d+)\n/.exec(output)))[1]);
      },
    };
  } catch (error) {
    server.proc.kill("SIGCONT");
    flooder.kill();
    throw error;
  }
}
