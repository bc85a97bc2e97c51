// The interactive console (`isis server` without -d). Placeholder: prints
// what the server reports; the full console lands with issue 6.
import type { IsisServer } from "../server/isis-server.ts";

export interface ServerConsole {
  /** Print a line above the prompt (traffic, replies to the server, notices). */
  print(text: string): void;
  /** Run the console until the operator quits or stdin ends; resolves when the server should stop. */
  run(server: IsisServer): Promise<void>;
}

export function createConsole(): ServerConsole {
  return {
    print: (text) => process.stdout.write(`${text}\n`),
    run: (server) => server.stopped,
  };
}
