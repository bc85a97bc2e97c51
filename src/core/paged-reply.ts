// One reply must fit one datagram (2048 bytes with header and terminator), and
// a list of 32 clients may not. Lists are therefore paged: a reply carries as
// many items as fit and ends with `next=K`; asking again with `FROM K` (the
// reply then says `from=K`) gives the rest. Items are keyed by the number in
// their keyword (c5= is slot 5, f2= is the third open command).
import { cutText, MAX_MESSAGE_BYTES } from "../protocol/message.ts";

export interface Item {
  /** What FROM selects on: a slot or an index. */
  readonly key: number;
  readonly text: string;
}

/** Room for a DONE: body after `ID>SRCNAME ` (two 8-character names) and before `\r`. */
export const REPLY_BUDGET = MAX_MESSAGE_BYTES - 1 - 18;
/** Room for ` next=NNNNN` at the end of a page. */
const NEXT_RESERVE = 12;

/** The page starting at item key `from`: head, ` from=K` unless it is the first, items that fit, ` next=K` if more remain. */
export function page(head: string, items: readonly Item[], from: number, budget = REPLY_BUDGET): string {
  let text = from > 0 ? `${head} from=${from}` : head;
  const rest = items.filter((i) => i.key >= from);
  for (let n = 0; n < rest.length; n++) {
    const item = rest[n] as Item;
    const last = n === rest.length - 1;
    // At least one item per page, so paging always moves on.
    if (n > 0 && text.length + 1 + item.text.length + (last ? 0 : NEXT_RESERVE) > budget) return `${text} next=${item.key}`;
    // An item too long for a page of its own is cut (its report should have kept it short), never the page's next=.
    text += ` ${n === 0 ? cutText(item.text, budget - text.length - 1 - NEXT_RESERVE) : item.text}`;
  }
  return text;
}

/** Every page of a list, first to last. */
export function allPages(head: string, items: readonly Item[], budget = REPLY_BUDGET): string[] {
  const pages: string[] = [];
  let from = 0;
  for (;;) {
    const text = page(head, items, from, budget);
    pages.push(text);
    const next = /\snext=(\d+)$/.exec(text);
    if (!next) return pages;
    from = Number(next[1]);
  }
}
