// Keys for the replay's in-flight tables: numbers made of the ids of the
// requester, target and command word, rather than the string the server
// builds (`IPC1>M1.IE FILTER`, made and hashed for each request and answer,
// a third of the replay's time over a season). Each part keeps 17 bits;
// past 131,072 distinct names and words (a damaged log) keys are the
// server's strings again, which no number can equal.
import type { InFlightKey } from "../core/in-flight.ts";

const BITS = 131_072;

export function numericKeys(): InFlightKey {
  const ids = new Map<string, number>();
  const id = (s: string): number => {
    const known = ids.get(s);
    if (known !== undefined) return known;
    if (ids.size >= BITS) return -1;
    ids.set(s, ids.size);
    return ids.size - 1;
  };
  return (requester, target, word) => {
    const r = id(requester);
    const t = id(target);
    const w = id(word);
    return r < 0 || t < 0 || w < 0 ? `${requester}>${target} ${word}` : (r * BITS + t) * BITS + w;
  };
}
