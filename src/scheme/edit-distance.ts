/**
 * Edit distance between two words, for "did you mean" hints.
 *
 * @example
 * editDistance("sytems", "systems"); // 1
 * editDistance("usr", "user");       // 1
 */

/**
 * The longest word worth comparing: a longer one is no typo of a name, and
 * comparing it would cost time and memory in proportion to its length times
 * the name's (17 s and 1.8 GB for a 2-million-character field name).
 *
 * @example
 * "parallel-builds-per-machine".length <= MAX_SUGGESTED_LENGTH; // true
 */
export const MAX_SUGGESTED_LENGTH = 64;

/**
 * Levenshtein distance where swapping two neighbouring characters also costs 1
 * (the optimal-string-alignment variant): typos are mostly such swaps.
 *
 * @example
 * editDistance("hsot-key", "host-key"); // 1
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
