// The one request the client sends. Pure.
import { formatMessage } from "../protocol/message.ts";

/**
 * The command words as sent: every `=` becomes a space (some agents cannot
 * parse `=`), and runs of whitespace collapse to one space, as the old
 * client's join-and-split did.
 */
export function commandText(words: readonly string[]): string {
  return words
    .join(" ")
    .replaceAll("=", " ")
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .join(" ");
}

/** `ID>DEST command\r`, names upper-cased (node names are case-insensitive). */
export const requestDatagram = (id: string, dest: string, command: string): string => formatMessage(id.toUpperCase(), dest.toUpperCase(), command);
