// Whether `--id NAME` is free on the server. The server routes a name to
// whoever spoke as it last, so a monitor that used an agent's name would take
// that agent's traffic until the agent spoke again. Asked with `HOST NAME`
// under a name of our own (not NAME: speaking as NAME would take the route),
// which is then removed again.
import { requestDatagram } from "../client/request.ts";
import { runSession, type SessionEnd } from "../client/session.ts";
import type { Target } from "../client/target.ts";

export type NameCheck = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly exitCode: 1 | 2 };

/** How long to wait for the server's answer before giving up on the check. */
const CHECK_TIMEOUT_MS = 3000;
const FORCE = "use --force-id to take it anyway";

/** What the server's answer to `HOST NAME` says about NAME. Pure. */
export function readHostReply(name: string, server: string, end: SessionEnd): NameCheck {
  const upper = name.toUpperCase();
  if (end.kind === "timeout") return cannotCheck(name, `no answer from ${server} in ${CHECK_TIMEOUT_MS / 1000} s`);
  if (end.kind === "unreachable") return cannotCheck(name, end.message);
  if (end.kind === "interrupted") return { ok: false, message: "interrupted", exitCode: 2 };
  const body = end.reply.body;
  if (body.toUpperCase() === `ERROR: HOST UNKNOWN HOST ${upper}`) return { ok: true };
  const held = /^DONE: HOST Host(\d+)=(\S+) (.*)$/.exec(body);
  if (held && held[2]?.toUpperCase() === upper) {
    const where = (held[3] ?? "").replace(/\b([A-Za-z]+)\d+=/g, "$1=");
    return { ok: false, message: `--id ${upper} is in ${server}'s host table (${where}): a name an agent uses? ${FORCE}`, exitCode: 1 };
  }
  return cannotCheck(name, `${server} answered '${body}'`);
}

const cannotCheck = (name: string, why: string): NameCheck => ({
  ok: false,
  message: `cannot check that --id ${name.toUpperCase()} is free: ${why}; ${FORCE}`,
  exitCode: 2,
});

/** Ask the server as `probeId` whether `name` is in its host table; `probeId` is removed again. */
export async function checkNameFree(target: Target, name: string, probeId: string): Promise<NameCheck> {
  const ask = (command: string): Promise<SessionEnd> =>
    runSession({
      host: target.host,
      port: target.port,
      datagram: requestDatagram(probeId, target.server, command),
      conversation: { self: probeId, dest: target.server, server: target.server, command },
      idleTimeoutMs: CHECK_TIMEOUT_MS,
      onReply() {},
    });
  const answer = await ask(`HOST ${name}`);
  const check = readHostReply(name, target.server.toUpperCase(), answer);
  if (answer.kind === "answered") await ask(`REMOVE ${probeId}`);
  return check;
}
