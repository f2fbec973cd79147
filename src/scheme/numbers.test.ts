import assert from "node:assert/strict";
import { test } from "node:test";
import { add, compare, divide, expt, formatFlonum, modulo, numberToString, roundNumber, toExact } from "./numbers.ts";
import { Flonum, Rational } from "./values.ts";

test("the documented examples hold", () => {
  assert.equal(add(1, 2), 3);
  assert.deepEqual(divide(1, 3), new Rational(1n, 3n));
  assert.deepEqual(add(1, new Flonum(0.5)), new Flonum(1.5));
});

test("exact arithmetic grows into bigints and back; inexact contagion; Guile's rounding and printing", () => {
  assert.equal(add(9007199254740991, 1), 9007199254740992n);
  assert.equal(expt(2, 3), 8);
  assert.equal(compare(9007199254740993n, new Flonum(9007199254740992)), 1, "exact against inexact compares exactly");
  assert.equal(modulo(-7, 2), 1);
  assert.deepEqual(roundNumber(new Flonum(2.5), "round"), new Flonum(2));
  assert.equal(roundNumber(new Rational(7n, 2n), "round"), 4);
  assert.deepEqual(toExact(new Flonum(0.5)), new Rational(1n, 2n));
  assert.equal(numberToString(255, 16), "ff");
  assert.deepEqual([formatFlonum(2), formatFlonum(1e21), formatFlonum(1.5e-4), formatFlonum(-0)], ["2.0", "1.0e21", "1.5e-4", "-0.0"]);
});
