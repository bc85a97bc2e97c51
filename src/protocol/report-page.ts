// One page of the server's LIVENESS, INFLIGHT or STATS report as a client
// reads it: `keyword=value` fields (README, "Seeing the system"). Pure. The
// monitor reads its snapshots with it, `isis check` the DONE: replies.

export interface ReportPage {
  /** keyword=value fields (quotes removed), items included. */
  readonly fields: Readonly<Record<string, string>>;
  /** Item keywords in order (c0, c3 ... / f0, f1 ... / cmd0 ...). */
  readonly items: readonly string[];
  /** Absent on a report's first page. */
  readonly from?: number;
  /** Present when more pages follow. */
  readonly next?: number;
}

/** keyword=value pairs; a value may be quoted ('with spaces'). */
export function readPage(text: string): ReportPage {
  const fields: Record<string, string> = {};
  const items: string[] = [];
  for (const m of text.matchAll(/([^\s=]+)=('[^']*'|\S*)/g)) {
    const key = m[1] as string;
    fields[key] = (m[2] as string).replace(/^'([\s\S]*)'$/, "$1");
    if (/^(c|f|cmd)\d+$/.test(key)) items.push(key);
  }
  const from = fields.from === undefined ? undefined : Number(fields.from);
  const next = fields.next === undefined ? undefined : Number(fields.next);
  return { fields, items, from, next };
}
