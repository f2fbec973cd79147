import assert from "node:assert/strict";
import { test } from "node:test";
import { CycleCheck, NIL, Pair, isProperList, list, listToArray, schemeString, sym } from "./datum.ts";

test('the documented example holds: list builds (a 1 "b")', () => {
  const b = schemeString("b");
  const l = list(sym("a"), 1, b);
  assert.deepEqual(listToArray(l), [sym("a"), 1, b]);
});

test("listToArray: proper lists, improper lists, and circular lists (never an endless loop)", () => {
  assert.deepEqual(listToArray(list(1, 2, 3)), [1, 2, 3]);
  assert.deepEqual(listToArray(NIL), []);
  assert.equal(listToArray(new Pair(1, 2)), undefined);
  for (const [length, loopTo] of [
    [1, 0],
    [2, 0],
    [3, 1],
    [10, 7],
    [1000, 999],
  ] as const) {
    const cells = Array.from({ length }, (_, i) => new Pair(i, NIL));
    cells.forEach((cell, i) => (cell.cdr = cells[i + 1] ?? cells[loopTo]!));
    assert.equal(listToArray(cells[0]!), undefined, `${length} cells looping to ${loopTo}`);
    assert.equal(isProperList(cells[0]!), false);
  }
});

test("CycleCheck finds a cycle within a few times its length, and passes a long proper list", () => {
  const cells = Array.from({ length: 50 }, (_, i) => new Pair(i, NIL));
  cells.forEach((cell, i) => (cell.cdr = cells[i + 1] ?? cells[20]!));
  const check = new CycleCheck(cells[0]!);
  let steps = 0;
  for (let cursor = cells[0]!.cdr; check.fresh(cursor); cursor = (cursor as Pair).cdr) steps++;
  assert.ok(steps < 4 * 50, `found after ${steps} steps`);
  const long = list(...Array.from({ length: 100_000 }, (_, i) => i));
  const passes = new CycleCheck(long);
  for (let cursor = long; cursor instanceof Pair; cursor = cursor.cdr) assert.ok(passes.fresh(cursor.cdr));
});
