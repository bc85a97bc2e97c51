// The interactive console (`isis server` without -d): a banner, the `IS% `
// prompt, keyboard commands, `>NAME text` sends and server commands. It ends
// with `quit`, Ctrl+C, Ctrl+D or end of input — each tells every client the
// server is going offline, then stops the server — or when the server stops
// on its own (EXEC: QUIT from a client, SIGTERM).
import type { IsisServer } from "../server/isis-server.ts";
import { COMP_DATE, COMP_TIME, VERSION } from "../shared/version.ts";
import { banner } from "./format.ts";
import { ConsoleSession } from "./session.ts";
import { type ConsoleIO, type EndReason, openConsoleIO } from "./terminal.ts";

export interface ServerConsole {
  /** Print a line above the prompt (traffic, replies to the server, notices). */
  print(text: string): void;
  /** Run the console until the operator quits or stdin ends; resolves once the server has stopped. */
  run(server: IsisServer): Promise<void>;
  /** End the session as `quit` does (e.g. SIGINT from outside the terminal). */
  quit(reason: string): void;
}

/** Writes the banner at once, so it precedes the server's startup lines. */
export function createConsole(io: ConsoleIO = openConsoleIO(process.stdin, process.stdout)): ServerConsole {
  io.print(banner(VERSION, COMP_DATE, COMP_TIME));
  return new InteractiveConsole(io);
}

class InteractiveConsole implements ServerConsole {
  /** Typed lines are handled one at a time, in order (RESTART replies later). */
  private queue: Promise<unknown> = Promise.resolve();
  private quitting = false;
  private onQuit: ((reason: string) => void) | undefined;
  /** A quit asked for before run() (a SIGINT during startup). */
  private earlyQuit: string | undefined;

  constructor(private readonly io: ConsoleIO) {}

  print(text: string): void {
    this.io.print(text);
  }

  quit(reason: string): void {
    if (this.onQuit) this.onQuit(reason);
    else this.earlyQuit ??= reason;
  }

  async run(server: IsisServer): Promise<void> {
    const session = new ConsoleSession(server, (text) => this.io.print(text));
    this.onQuit = (reason) => {
      if (this.quitting) return;
      this.quitting = true;
      this.io.close();
      session.announceShutdown();
      void server.stop(reason);
    };
    const handlers = {
      line: (text: string) => {
        if (this.quitting) return;
        this.queue = this.queue.then(async () => {
          if (this.quitting) return;
          if ((await session.handle(text)) === "quit") this.onQuit?.("console quit");
          else this.io.prompt();
        });
      },
      end: (reason: EndReason) => {
        // Ctrl+C quits now; end of input first lets the lines already read finish (a script).
        if (reason === "interrupt") this.onQuit?.("Ctrl+C");
        else this.queue = this.queue.then(() => this.onQuit?.("end of console input"));
      },
    };
    this.io.start(`${server.core.config.serverId}% `, handlers);
    if (this.earlyQuit) this.onQuit(this.earlyQuit);

    await server.stopped;
    // Stopped some other way (EXEC: QUIT, SIGTERM): give the terminal back.
    this.quitting = true;
    this.io.close();
    await this.io.flush();
  }
}
