import assert from "node:assert/strict";
import { test } from "node:test";
import { Flonum, Rational } from "./datum.ts";
import { exactInteger, makeRational, parseNumber } from "./numbers.ts";

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
