/**
 * The assertion behind every checked `@example` line (test/examples.test.ts):
 * `actual` must equal `expected`, where an object `expected` names only the
 * properties that matter.
 *
 * @example
 * check("units.ts:6", { line: 2, column: 3, offset: 8 }, { line: 2, column: 3 }); // passes
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual, inspect } from "node:util";

function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected) || isDeepStrictEqual(actual, expected);
  if (actual === null || typeof actual !== "object") return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => matches(actual[index], item));
  }
  const record = actual as Record<string, unknown>;
  return Object.entries(expected).every(([key, value]) => matches(record[key], value));
}

/** Fail with both values shown unless `actual` matches `expected`. (Imported by the modules test/examples.test.ts generates.) */
// ts-unused-exports:disable-next-line
export function check(where: string, actual: unknown, expected: unknown): void {
  if (!matches(actual, expected)) assert.fail(`${where}: the example says ${inspect(expected, { depth: 6 })}, but it gives ${inspect(actual, { depth: 6 })}`);
}
