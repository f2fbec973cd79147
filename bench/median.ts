/**
 * The middle of a benchmark's runs (the upper middle for an even count):
 * one slow run on a noisy machine does not move it.
 *
 * @example
 * median([5, 1, 3]); // 3
 * median([4, 1, 3, 2]); // 3
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
