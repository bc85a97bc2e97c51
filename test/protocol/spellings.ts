// The spellings of an executive request an attacker would try, as bodies
// (what follows `SRC>DEST `): the unit tables of the protocol and the core
// and the adversarial e2e suite share them.

/** Bodies an agent would run with EXEC:'s override (after the server has stripped the header and its spaces). */
export const EXECUTIVE_SPELLINGS = [
  "EXEC: QUIT",
  "exec: quit",
  "  Exec:   QUIT",
  "EXEC:",
  "\tEXEC: quit",
  "EXEC:\tquit",
  " \t EXEC: \t quit",
  "\nEXEC: quit",
  "EXEC:\nquit",
  "\x0bEXEC: quit",
  "EXEC:\x0bquit",
  "\fEXEC: quit",
  "EXEC:\fquit",
  "\rEXEC: quit",
  "EXEC:\rquit",
  "EXEC:\r\nquit",
  // Beyond the agents' reading, refused all the same (see readRequest):
  "EXEC:quit",
  "exec:QUIT now",
  "REQ: EXEC: QUIT",
  "req:\texec:\tquit",
  "REQ:EXEC:QUIT",
  "REQ: REQ: EXEC: QUIT",
  "EXEC: REQ: QUIT",
  "EXEC: PING",
];

export const NOT_EXECUTIVE = [
  "QUIT",
  "EXECUTE: x",
  "EXEC",
  "EXEC;",
  "EXEC :quit",
  "",
  "   ",
  "STATUS: EXEC: done",
  "DONE: EXEC: QUIT",
  "ERROR:EXEC: x",
  "FILTER EXEC: 2",
  // 0xA0 (latin1 no-break space) is not whitespace to C's isspace in the C locale: the agents' type word is "\xa0EXEC:".
  "\xa0EXEC: quit",
  "\x1cEXEC: quit",
];
