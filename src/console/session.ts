// Acts on typed lines against a running server: keyboard commands, `>NAME`
// sends, and server commands run as the server itself (IMPv2 §6: a console
// line is an EXEC: the node sends to itself). Output goes through `print`,
// which the terminal layer places above the prompt.
import { SERVER_COMMANDS } from "../core/commands.ts";
import { MAX_HOSTS } from "../core/host-table.ts";
import type { IsisCore } from "../core/isis-core.ts";
import type { SerialPortInfo } from "../core/ports.ts";
import { readRequest } from "../protocol/body-kind.ts";
import { formatMessage, oversizeProblem } from "../protocol/message.ts";
import { COMP_DATE, COMP_TIME, VERSION } from "../shared/version.ts";
import { formatHistory, formatHostsTable, formatInfo, helpText, type InfoFacts } from "./format.ts";
import { type KeyboardCommand, parseConsoleLine } from "./parse.ts";

/** What the console needs of the server (IsisServer has all of it). */
export interface ConsoleServer {
  readonly core: IsisCore;
  readonly rcFile: string;
  readonly port: number;
  readonly cli: boolean;
  readonly log: { readonly path: string; readonly enabled: boolean };
  serialPorts(): readonly SerialPortInfo[];
}

/** The body every client gets when the operator quits (the old server's words). */
export const SHUTDOWN_NOTICE = "STATUS: MODE=OFFLINE IS=DISABLED Server Shutting Down";

const MAX_HISTORY = 500;

export class ConsoleSession {
  /** Lines typed, oldest first, for `history` (readline keeps its own copy for Up/Down). */
  private readonly typed: string[] = [];

  constructor(
    private readonly server: ConsoleServer,
    private readonly print: (text: string) => void,
  ) {}

  /** Handle one typed line; resolves once its output is printed. Resolves to "quit" when the operator asked to quit. */
  async handle(line: string): Promise<"quit" | undefined> {
    this.remember(line);
    const action = parseConsoleLine(line);
    switch (action.kind) {
      case "empty":
        return undefined;
      case "invalid":
        this.print(action.message);
        return undefined;
      case "keyboard":
        return this.keyboard(action.command);
      case "send":
        this.send(action.dest, action.broadcast, action.text);
        return undefined;
      case "server":
        await this.serverCommand(action.body);
        return undefined;
    }
  }

  /** Tell every client (serial and UDP) that the server is going offline. */
  announceShutdown(): void {
    this.server.core.broadcastFromServer(SHUTDOWN_NOTICE);
  }

  private keyboard(command: KeyboardCommand): "quit" | undefined {
    const { core } = this.server;
    switch (command) {
      case "quit":
        return "quit";
      case "hosts":
        this.print(formatHostsTable(core.hosts.entries(), MAX_HOSTS, core.now()));
        break;
      case "info":
        this.print(formatInfo(this.infoFacts()));
        break;
      case "help":
        this.print(helpText(core.config.serverId, SERVER_COMMANDS));
        break;
      case "verbose":
        core.verbose = true;
        this.print("Verbose: all traffic is echoed on the console");
        break;
      case "concise":
        core.verbose = false;
        this.print("Concise: traffic is no longer echoed");
        break;
      case "history":
        this.print(formatHistory(this.typed));
        break;
    }
    return undefined;
  }

  private send(dest: string, broadcast: boolean, text: string): void {
    const { core } = this.server;
    // What a client would drop as oversized is not sent (the server's strings go out as latin1: one byte a char).
    const oversize = oversizeProblem(formatMessage(core.config.serverId, dest, text).length);
    if (oversize) {
      this.print(`ERROR: not sent to ${dest}: ${oversize}`);
      return;
    }
    if (broadcast) {
      core.broadcastFromServer(text);
      return;
    }
    const entry = core.hosts.get(dest);
    if (!entry) {
      this.print(`ERROR: unknown client host ${dest}`);
      return;
    }
    if (!core.sendTo(dest, text)) this.print(`ERROR: cannot reach client host ${dest}`);
  }

  private async serverCommand(body: string): Promise<void> {
    // A plain word becomes `EXEC: word`, as the line is an executive request
    // from the node to itself; an explicit REQ:/EXEC: (or a reply type) is kept.
    const request = readRequest(body).type === undefined ? `EXEC: ${body}` : body;
    let reply: string | undefined;
    try {
      reply = await this.server.core.consoleCommand(request);
    } catch (error) {
      // A failing command must not end the console session.
      reply = `ERROR: internal server error: ${String(error)}`;
    }
    if (reply !== undefined) this.print(reply);
  }

  private infoFacts(): InfoFacts {
    const { core } = this.server;
    return {
      serverId: core.config.serverId,
      hostAddr: core.control.hostAddr(),
      port: this.server.port,
      rcFile: this.server.rcFile,
      logFile: this.server.log.path,
      clients: core.hosts.entries().map((e) => e.name),
      maxHosts: MAX_HOSTS,
      serialPorts: this.server.serialPorts(),
      presetPorts: core.config.presetPorts,
      verbose: core.verbose,
      logging: this.server.log.enabled,
      handshaking: core.handshaking,
      cli: this.server.cli,
      instrument: core.config.instrument,
      version: VERSION,
      compDate: COMP_DATE,
      compTime: COMP_TIME,
    };
  }

  private remember(line: string): void {
    const text = line.trim();
    // Blank lines and an immediate repeat are not history, as in readline.
    if (text === "" || this.typed[this.typed.length - 1] === text) return;
    this.typed.push(text);
    if (this.typed.length > MAX_HISTORY) this.typed.shift();
  }
}
