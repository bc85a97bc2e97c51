// How much an operator's line matters, as syslog and the journal rank it
// (sd-daemon(3)): `journalctl -p warning` shows errors and warnings only.
// Below every layer: the core, the transports, the runtime log and the
// server all say how much what they report matters.

export type Priority = "error" | "warning" | "notice" | "info";

/** The syslog level of each priority: the `<N>` a line to the journal starts with. */
export const SYSLOG_LEVEL: Readonly<Record<Priority, number>> = { error: 3, warning: 4, notice: 5, info: 6 };
