// Starts the compiled dist/isis server on a temporary config on loopback and
// waits for its readiness line, so e2e tests never sleep-and-hope.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { Changes, waitUntil } from "./wait.ts";

export const ISIS_BIN = resolve(import.meta.dir, "../../dist/isis");

export interface ServerOptions {
  /** Extra config lines; ServerID/ServerPort/ServerLog/LogDate default to IS, 0, DIR/logs/isis, UTC. */
  config?: string;
  /** Replace the whole config text (use {dir} for the temp dir). */
  configText?: string;
  /** Extra arguments after `server -d -f CONFIG`. */
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Run the server as this uid/gid (via setpriv; the test must be root): file modes then apply to it. */
  asUser?: number;
}

export class RunningServer {
  readonly lines: string[] = [];
  private readonly printed = new Changes();

  constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly dir: string,
    readonly configPath: string,
    public port = 0,
  ) {}

  get logRoot(): string {
    return join(this.dir, "logs", "isis");
  }

  addLine(line: string): void {
    this.lines.push(line);
    this.printed.notify();
  }

  /** Wait for a stdout/stderr line matching re; returns the match. */
  waitFor(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    let seen = 0;
    const match = () => {
      for (; seen < this.lines.length; seen++) {
        const m = (this.lines[seen] as string).match(re);
        if (m) return m;
      }
      return undefined;
    };
    return waitUntil(`the server to print ${re}`, match, { on: this.printed, timeoutMs, seen: () => `output:\n${this.lines.join("\n")}` });
  }

  /** SIGTERM and wait; returns the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill(signal);
    return this.proc.exited;
  }
}

export function makeTempDir(prefix = "isis-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const dir = makeTempDir();
  const configPath = join(dir, "isis.ini");
  const text =
    options.configText?.replaceAll("{dir}", dir) ?? `ServerID IS\nServerPort 0\nServerLog ${join(dir, "logs", "isis")}\nLogDate UTC\n${options.config ?? ""}\n`;
  writeFileSync(configPath, text);
  const as = options.asUser;
  if (as !== undefined) {
    chmodSync(dir, 0o755);
    chmodSync(configPath, 0o644);
  }
  const prefix = as === undefined ? [] : ["setpriv", `--reuid=${as}`, `--regid=${as}`, "--clear-groups"];
  const proc = Bun.spawn([...prefix, ISIS_BIN, "server", "-d", "-f", configPath, ...(options.args ?? [])], {
    cwd: dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...options.env },
  });
  const server = new RunningServer(proc, dir, configPath);
  void pump(proc.stdout, server);
  void pump(proc.stderr, server);
  const exited = proc.exited.then((code) => {
    throw new Error(`server exited (${code}) before it was ready:\n${server.lines.join("\n")}`);
  });
  const ready = server.waitFor(/server started as host \S+ on port (\d+)/);
  const match = await Promise.race([ready, exited]);
  server.port = Number(match[1]);
  return server;
}

async function pump(stream: ReadableStream<Uint8Array>, server: RunningServer): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    partial += decoder.decode(chunk, { stream: true });
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) server.addLine(line);
  }
  if (partial) server.addLine(partial);
}
