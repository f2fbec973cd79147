import assert from "node:assert/strict";
import { test } from "node:test";
import { Flonum, Rational } from "./datum.ts";
import { ExactNumberTooLarge, exactInteger, makeRational, MAX_EXACT_EXPONENT, parseNumber } from "./numbers.ts";

test("the documented examples hold", () => {
  assert.deepEqual(parseNumber("2."), new Flonum(2));
  assert.equal(parseNumber("#xff"), 255);
  assert.deepEqual(parseNumber("6/4"), new Rational(3n, 2n));
  assert.equal(parseNumber("abc"), undefined);
});

test("radix and exactness prefixes, infinities, exact decimals; exact integers stay small when they can", () => {
  assert.deepEqual(parseNumber("#e1.25"), new Rational(5n, 4n));
  assert.deepEqual(parseNumber("#i1/4"), new Flonum(0.25));
  assert.deepEqual(parseNumber("-inf.0"), new Flonum(-Infinity));
  assert.equal(parseNumber("#b-101"), -5);
  assert.equal(parseNumber("1+"), undefined);
  assert.equal(parseNumber("ff", 16), 255);
  assert.equal(exactInteger(5n), 5);
  assert.equal(exactInteger(2n ** 60n), 2n ** 60n);
  assert.equal(makeRational(4n, 2n), 2);
  assert.throws(() => makeRational(1n, 0n), /division by zero/);
});

test("an exact number too large to build is refused, not built for a minute", () => {
  assert.throws(() => parseNumber("#e1e99858182"), ExactNumberTooLarge);
  assert.throws(() => parseNumber(`#e1e-${MAX_EXACT_EXPONENT + 1}`), ExactNumberTooLarge);
  assert.equal(parseNumber("#e1.5e3"), 1500);
  assert.equal(typeof parseNumber(`#e1e${MAX_EXACT_EXPONENT}`), "bigint");
  // inexact, it is only a float
  assert.deepEqual(parseNumber("1e99858182"), new Flonum(Infinity));
});
