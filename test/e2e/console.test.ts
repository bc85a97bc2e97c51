// The interactive console (`isis server` without -d), driven through the
// compiled dist/isis (build first: `npx bun script/build.ts`):
//  1. on a real pseudo-terminal (tmux on a private socket): typing, replies,
//     sends, a message arriving mid-line, history, quit / Ctrl+D / Ctrl+C;
//  2. with stdin a pipe: scripted, plain lines, no escape sequences.
// All UDP traffic is on 127.0.0.1; clients are real UDP sockets.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { VERSION } from "../../src/shared/version.ts";
import { type Pane, Tmux } from "../console/tmux.ts";
import { ISIS_BIN, makeTempDir } from "../helpers/server.ts";
import { UdpClient } from "../helpers/udp.ts";
import { Changes, waitUntil } from "../helpers/wait.ts";

const SHUTDOWN = "IS>AL STATUS: MODE=OFFLINE IS=DISABLED Server Shutting Down\r";

const dirs: string[] = [];
const clients: UdpClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temp dir with an isis.ini on any free port, logging inside the dir. */
function makeConfig(extra = ""): { dir: string; configPath: string } {
  const dir = makeTempDir("isis-console-e2e-");
  dirs.push(dir);
  const configPath = join(dir, "isis.ini");
  writeFileSync(configPath, `ServerID IS\nServerPort 0\nServerLog ${join(dir, "logs", "isis")}\nLogDate UTC\n${extra}\n`);
  return { dir, configPath };
}

/** A UDP client on 127.0.0.1 registered with the server as `name` (its PONG consumed). */
async function client(name: string, port: number): Promise<UdpClient> {
  const c = await UdpClient.open();
  clients.push(c);
  expect(await c.request(`${name}>IS PING\r`, port)).toBe(`IS>${name} PONG\r`);
  return c;
}

const lines = (screen: string) => screen.split("\n");

describe("on a terminal", () => {
  const tmux = new Tmux();
  afterAll(() => tmux.close());

  /** Start the console in a fresh pane; resolves at the first prompt with the port it announced. */
  async function startConsole(extraConfig = ""): Promise<{ pane: Pane; port: number }> {
    const { dir, configPath } = makeConfig(extraConfig);
    const pane = tmux.open([ISIS_BIN, "server", "-f", configPath], dir);
    const m = await pane.waitFor(/^server started as host IS on port (\d+)$/m);
    await pane.until("the prompt", () => pane.lastLine() === "IS%");
    return { pane, port: Number(m[1]) };
  }

  /** Type a line and press Enter. */
  const enter = (pane: Pane, text: string) => {
    pane.type(text);
    pane.keys("Enter");
  };

  test("starts with a banner naming the version, the startup lines, then the IS% prompt", async () => {
    const { pane } = await startConsole();
    const screen = lines(pane.screen());
    expect(screen[0]).toStartWith(`ISIS server version ${VERSION} (`);
    expect(screen).toContain("cold start done");
    expect(pane.cursorX()).toBe("IS% ".length);
  });

  test("a typed server command prints its reply: ping shows PONG, status shows +CLI", async () => {
    const { pane } = await startConsole();
    enter(pane, "ping");
    await pane.until("PONG after the typed line", (s) => s.includes("IS% ping\nPONG\nIS%"));
    enter(pane, "status");
    const [status] = await pane.waitFor(/^DONE: STATUS HostName=IS .*$/m);
    expect(status.split(" ")).toContain("+CLI");
    expect(status).toContain("numClients=0 Concise");
  });

  test(">NAME text reaches that client as IS>NAME text\\r; an unknown name prints an error", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    enter(pane, ">m1.env hello there");
    expect(await env.next()).toBe("IS>M1.ENV hello there\r");
    enter(pane, ">NOBODY hi");
    await pane.waitFor(/^ERROR: unknown client host NOBODY$/m);
  });

  test(">AL text reaches every registered client", async () => {
    const { pane, port } = await startConsole();
    const a = await client("A1", port);
    const b = await client("B1", port);
    enter(pane, ">AL all stations");
    expect(await a.next()).toBe("IS>AL all stations\r");
    expect(await b.next()).toBe("IS>AL all stations\r");
  });

  test("a message arriving while a line is half typed prints above the prompt and leaves the line intact", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    pane.type("sta");
    await pane.until("the half-typed line", () => pane.lastLine() === "IS% sta");

    env.send("M1.ENV>IS DONE: filter pos=2\r", port);
    await pane.waitFor(/^M1\.ENV> DONE: filter pos=2$/m);
    const screen = lines(pane.screen());
    expect(screen.at(-2)).toBe("M1.ENV> DONE: filter pos=2");
    expect(screen.at(-1)).toBe("IS% sta");
    expect(pane.cursorX()).toBe("IS% sta".length);

    pane.type("tus");
    pane.keys("Enter");
    await pane.waitFor(/^IS% status\nDONE: STATUS HostName=IS /m);
  });

  test("Up recalls the previous line for editing; history lists the lines typed", async () => {
    const { pane } = await startConsole();
    enter(pane, "ping");
    await pane.waitFor(/^PONG$/m);
    enter(pane, "time");
    await pane.waitFor(/^DONE: TIME /m);
    pane.keys("Up", "Up");
    await pane.until("ping recalled", () => pane.lastLine() === "IS% ping");
    pane.keys("Enter");
    await pane.until("a second PONG", (s) => s.split("\nPONG\n").length === 3);
    enter(pane, "history");
    await pane.waitFor(/^ {3}1 {2}ping\n {3}2 {2}time\n {3}3 {2}ping\n {3}4 {2}history$/m);
  });

  test("hosts shows each client with address and idle time; info names ports, flags, instrument and version", async () => {
    const preset = await UdpClient.open();
    clients.push(preset);
    const { pane, port } = await startConsole(`UDPPort 127.0.0.1 ${preset.port}\nInstrument MODS1`);
    // The cold start PINGs the preset port; its answer registers it.
    expect(await preset.next()).toBe("IS>AL PING\r");
    preset.send("M1.IE>IS PONG\r", port);
    const env = await client("M1.ENV", port);
    enter(pane, "hosts");
    await pane.waitFor(
      new RegExp(
        `^\\s+0\\s+M1\\.IE\\s+UDP\\s+127\\.0\\.0\\.1:${preset.port}\\s+\\d+\\.\\d{3}\\n\\s+1\\s+M1\\.ENV\\s+UDP\\s+127\\.0\\.0\\.1:${env.port}\\s+\\d+\\.\\d{3}\\n2 of 32 host table slots in use$`,
        "m",
      ),
    );
    enter(pane, "info");
    const [info] = await pane.waitFor(/^Server {6}IS on UDP port \d+.*\n(.*\n){7}Version .*$/m);
    expect(info).toContain(`Server      IS on UDP port ${port} `);
    expect(info).toContain("Clients     2 of 32: M1.IE M1.ENV");
    expect(info).toContain("Serial      none");
    expect(info).toContain(`Presets     udp0=127.0.0.1:${preset.port}`);
    expect(info).toContain("Flags       Concise +LOG +HANDSHAKE +CLI");
    expect(info).toContain("Instrument  MODS1");
    expect(info).toContain(`Version     ${VERSION} (`);
  });

  test("verbose echoes traffic on the console; concise stops it", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    enter(pane, "verbose");
    await pane.waitFor(/^Verbose: /m);
    expect(await env.request("M1.ENV>IS time\r", port)).toStartWith("IS>M1.ENV DONE: TIME ");
    await pane.waitFor(/^M1\.ENV>IS time\nIS>M1\.ENV DONE: TIME /m);
    enter(pane, "concise");
    await pane.waitFor(/^Concise: /m);
    expect(await env.request("M1.ENV>IS config\r", port)).toBe("IS>M1.ENV DONE: CONFIG M1.ENV=ENABLED\r");
    // Its reply arrived, so the server has dealt with it: nothing was echoed.
    enter(pane, "ping");
    await pane.until("the PONG after concise", (s) => s.endsWith("IS% ping\nPONG\nIS%"));
    expect(pane.screen()).not.toContain("M1.ENV>IS config");
  });

  test("quit tells every client the server is going offline, then exits 0 with the terminal given back", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    enter(pane, "quit");
    expect(await env.next()).toBe(SHUTDOWN);
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
  });

  test("Ctrl+D on an empty line ends the session as quit does", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    pane.keys("C-d");
    expect(await env.next()).toBe(SHUTDOWN);
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
  });

  test("Ctrl+C clears a half-typed line, as in a shell; on an empty line it ends the session as quit does", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    pane.type("status xyz");
    pane.keys("Left", "Left");
    await pane.until("the half-typed line", () => pane.lastLine() === "IS% status xyz" && pane.cursorX() === "IS% status x".length);
    pane.keys("C-c");
    await pane.until("an empty prompt", () => pane.lastLine() === "IS%" && pane.cursorX() === "IS% ".length);
    // The line is gone, not only from the screen: what is typed next is all there is.
    enter(pane, "ping");
    await pane.until("PONG for the new line alone", (s) => s.endsWith("IS% ping\nPONG\nIS%"));
    pane.keys("C-c");
    expect(await env.next()).toBe(SHUTDOWN);
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
  });

  test("Ctrl+Z stops the console; after fg every key works again and the half-typed line is redrawn", async () => {
    const { dir, configPath } = makeConfig();
    // An interactive shell in the pane gives job control (a plain command has none).
    const pane = tmux.open(["bash", "--norc", "--noprofile", "-i"], dir);
    pane.type(`PS1='$ '; ${ISIS_BIN} server -f ${configPath}`);
    pane.keys("Enter");
    const m = await pane.waitFor(/^server started as host IS on port (\d+)$/m);
    await pane.until("the prompt", () => pane.lastLine() === "IS%");
    const env = await client("M1.ENV", Number(m[1]));
    pane.type("sta");
    await pane.until("the half-typed line", () => pane.lastLine() === "IS% sta");
    pane.keys("C-z");
    await pane.waitFor(/Stopped\s+\S*isis server/);
    await pane.until("the shell's prompt", () => pane.lastLine() === "$");
    enter(pane, "fg");
    await pane.until("the line redrawn", () => pane.lastLine() === "IS% sta" && pane.cursorX() === "IS% sta".length);
    pane.type("tus");
    pane.keys("Enter");
    await pane.waitFor(/^IS% status\nDONE: STATUS HostName=IS /m);
    enter(pane, "quit");
    expect(await env.next()).toBe(SHUTDOWN);
    await pane.until("the shell's prompt again", () => pane.lastLine() === "$");
    enter(pane, "exit");
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
  });

  test("an EXEC: QUIT from a client stops the server and gives the terminal back", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    expect(await env.request("M1.ENV>IS EXEC: QUIT\r", port)).toBe("IS>M1.ENV DONE: QUIT ISIS executive quit command executed IS=OFFLINE\r");
    expect(await pane.exitCode()).toBe(0);
    expect(await pane.ttyFlags()).toBe("icanon echo");
  });

  test("escape sequences in a client's message are shown, not obeyed", async () => {
    const { pane, port } = await startConsole();
    const env = await client("M1.ENV", port);
    // CSI as one latin1 byte (0x9b) clears the screen on some terminals; the banner must survive it.
    env.send(Buffer.from("M1.ENV>IS ERROR: bad \x9b2J\x9b31mred\r", "latin1"), port);
    await pane.waitFor(/^M1\.ENV> ERROR: bad \\x9b2J\\x9b31mred$/m);
    // ESC itself is a control byte no message may carry: refused, and shown as such in verbose mode.
    enter(pane, "verbose");
    // Typed keys and the datagram take different roads: the console must have switched before the datagram comes.
    await pane.waitFor(/^Verbose: all traffic is echoed on the console$/m);
    env.send("M1.ENV>IS ERROR: bad \x1b[2J\x1b[31mred\r", port);
    await pane.waitFor(/Ignored malformed message from 127\.0\.0\.1:\d+: control byte 0x1b in message: 'M1\.ENV>IS ERROR: bad \\x1b\[2J/);
    expect(lines(pane.screen())[0]).toStartWith("ISIS server version");
  });
});

describe("on a pipe (scripted)", () => {
  /** Collects the process's stdout as text, with a wait for a pattern. */
  class Output {
    text = "";
    private readonly changed = new Changes();
    constructor(stream: ReadableStream<Uint8Array>) {
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) {
          this.text += decoder.decode(chunk, { stream: true });
          this.changed.notify();
        }
      })();
    }

    waitFor(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
      return waitUntil(`stdout to show ${re}`, () => this.text.match(re), { on: this.changed, timeoutMs, seen: () => `got:\n${this.text}` });
    }
  }

  async function startPiped(): Promise<{ proc: Subprocess<"pipe", "pipe", "pipe">; out: Output; port: number }> {
    const { dir, configPath } = makeConfig();
    const proc = Bun.spawn([ISIS_BIN, "server", "-f", configPath], { cwd: dir, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const out = new Output(proc.stdout);
    const m = await out.waitFor(/^server started as host IS on port (\d+)$/m);
    return { proc, out, port: Number(m[1]) };
  }

  test("lines in, replies out as plain lines; end of input quits like Ctrl+D", async () => {
    const { proc, out, port } = await startPiped();
    const env = await client("M1.ENV", port);
    proc.stdin.write("ping\nstatus\n>M1.ENV hello\n>NOBODY hi\nhosts\n");
    await proc.stdin.flush();
    expect(await env.next()).toBe("IS>M1.ENV hello\r");
    await out.waitFor(/slots in use\n$/);
    proc.stdin.end();
    expect(await env.next()).toBe(SHUTDOWN);
    expect(await proc.exited).toBe(0);

    const text = out.text;
    expect(text).not.toContain("\x1b");
    expect(text).not.toContain("\r");
    expect(text).not.toContain("IS% ");
    const after = text.slice(text.indexOf("cold start done\n") + "cold start done\n".length).split("\n");
    expect(after[0]).toBe(`Added UDP Client M1.ENV on host 127.0.0.1:${env.port}`);
    expect(after[1]).toBe("PONG");
    expect(after[2]).toMatch(/^DONE: STATUS HostName=IS .* \+CLI$/);
    expect(after[3]).toBe("ERROR: unknown client host NOBODY");
    expect(after[4]).toMatch(/^\s*Slot\s+Name\s+Method\s+Address/);
    expect(text).toMatch(/\nshutdown \(end of console input\)\n$/);
  });

  test("lines are answered in order, an asynchronous RESTART included", async () => {
    const { proc, out } = await startPiped();
    proc.stdin.write("restart\nping\nquit\n");
    await proc.stdin.flush();
    expect(await proc.exited).toBe(0);
    const restart = out.text.indexOf("DONE: RESTART ");
    expect(restart).toBeGreaterThan(-1);
    expect(out.text.indexOf("\nPONG\n")).toBeGreaterThan(restart);
    expect(out.text).toMatch(/\nshutdown \(console quit\)\n$/);
  });

  test("a client's embedded newline never prints as a forged line of its own: the message is refused, shown escaped", async () => {
    const { proc, out, port } = await startPiped();
    const env = await client("M1.ENV", port);
    // NEL (0x85) starts a new line on some terminals: shown escaped.
    env.send(Buffer.from("M1.ENV>IS DONE: x\x85DONE: forged\r", "latin1"), port);
    await out.waitFor(/^M1\.ENV> DONE: x\\x85DONE: forged$/m);
    proc.stdin.write("verbose\n");
    await proc.stdin.flush();
    await out.waitFor(/^Verbose: /m);
    env.send("M1.ENV>IS DONE: x\nDONE: forged\r", port);
    env.send("M1.ENV>M1.ENV STATUS: a\nDONE: b\x1b[2J\r", port);
    await out.waitFor(/control byte 0x0a in message: 'M1\.ENV>IS DONE: x\\x0aDONE: forged\\x0d'$/m);
    await out.waitFor(/control byte 0x0a in message: 'M1\.ENV>M1\.ENV STATUS: a\\x0aDONE: b\\x1b\[2J\\x0d'$/m);
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
    expect(out.text).not.toMatch(/^DONE: (forged|b)/m);
  });

  test("a send the client would drop as oversized is refused at the console, naming the limit", async () => {
    const { proc, out, port } = await startPiped();
    const env = await client("M1.ENV", port);
    proc.stdin.write(`>M1.ENV ${"x".repeat(3000)}\n>AL ${"y".repeat(2100)}\n>M1.ENV small\n`);
    await proc.stdin.flush();
    // The next datagram the client gets is the small one: the big ones never left.
    expect(await env.next()).toBe("IS>M1.ENV small\r");
    await out.waitFor(/^ERROR: not sent to AL: .*$/m);
    expect(out.text).toContain("ERROR: not sent to M1.ENV: the message would be 3011 bytes, over the IMPv2 limit of 2048 bytes (terminator included)\n");
    expect(out.text).toContain("ERROR: not sent to AL: the message would be 2107 bytes, over the IMPv2 limit of 2048 bytes (terminator included)\n");
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
  });

  test("SIGINT ends the session as quit does", async () => {
    const { proc, port } = await startPiped();
    const env = await client("M1.ENV", port);
    proc.kill("SIGINT");
    expect(await env.next()).toBe(SHUTDOWN);
    expect(await proc.exited).toBe(0);
  });
});
