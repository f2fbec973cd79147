import assert from "node:assert/strict";
import { test } from "node:test";
import { eq, eqv, isEqual } from "./equality.ts";
import { SchemeError } from "./errors.ts";
import { Char, Flonum, NIL, Pair, list, schemeString } from "./values.ts";

test("the documented examples hold", () => {
  assert.equal(isEqual(list(1, schemeString("a")), list(1, schemeString("a"))), true);
  assert.equal(eqv(new Flonum(2), 2), false);
  assert.equal(eqv(schemeString("a"), schemeString("a")), false);
});

test("a string is eq? and eqv? to itself only; equal? compares the text", () => {
  const s = schemeString("a");
  assert.equal(eq(s, s), true);
  assert.equal(eqv(s, s), true);
  assert.equal(eq(s, schemeString("a")), false);
  assert.equal(isEqual(s, schemeString("a")), true);
  assert.equal(isEqual(s, schemeString("b")), false);
});

test("eq? and eqv? compare objects; small integers and characters by value; big integers are objects", () => {
  const pair = new Pair(1, 2);
  assert.equal(eq(pair, pair), true);
  assert.equal(eq(new Pair(1, 2), new Pair(1, 2)), false);
  assert.equal(eq(new Char(97), new Char(97)), true);
  assert.equal(eq(2n ** 70n, 2n ** 70n), false);
  assert.equal(eqv(2n ** 70n, 2n ** 70n), true);
  assert.equal(eqv(new Flonum(NaN), new Flonum(NaN)), true);
  assert.equal(eqv(new Flonum(0), new Flonum(-0)), false);
});

test("equal? walks without recursion and gives up on endless circular data", () => {
  assert.equal(isEqual([1, list(schemeString("a"))], [1, list(schemeString("a"))]), true);
  assert.equal(isEqual([1], [1, 2]), false);
  const a = new Pair(1, NIL);
  a.cdr = a;
  const b = new Pair(1, NIL);
  b.cdr = b;
  assert.throws(
    () => isEqual(a, b),
    (e: unknown) => e instanceof SchemeError && e.code === "limit-exceeded",
  );
});
