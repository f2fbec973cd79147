/**
 * Did-you-mean suggestions: the closest candidate by edit distance, when it
 * is close enough to be a likely typo.
 *
 * @example
 * closest("sytems", ["systems", "system", "speed"]); // "systems"
 */
import { editDistance, MAX_SUGGESTED_LENGTH } from "../scheme/edit-distance.ts";

/**
 * The candidate nearest to `word`, or undefined when none is plausibly meant.
 *
 * @example
 * closest("compression", ["speed", "port"]); // undefined
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    // A name of implausible length (a generated list of systems, say) is no candidate either.
    if (candidate.length > MAX_SUGGESTED_LENGTH) continue;
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) && bestDistance > 0 ? best : undefined;
}

/**
 * ` (did you mean "x"?)` or the empty string.
 *
 * @example
 * didYouMean("x86-64-linux", ["x86_64-linux"], true); // ' (did you mean "x86_64-linux"?)'
 */
export function didYouMean(word: string, candidates: Iterable<string>, quote = false): string {
  const hit = closest(word, candidates);
  if (hit === undefined) return "";
  return quote ? ` (did you mean "${hit}"?)` : ` (did you mean ${hit}?)`;
}
