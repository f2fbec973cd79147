import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented examples hold", () => {
  assert.equal(run("(+ 1/2 0.5)"), "1.0");
  assert.equal(run("(expt 2 70)"), "1180591620717411303424");
  assert.equal(run("(call-with-values (lambda () (floor/ 7 2)) list)"), "(3 1)");
});

test("exactness, rounding, integer division, comparisons", () => {
  assert.equal(run("(list (/ 1 3) (exact->inexact 1/3) (inexact->exact 0.5) (round 2.5) (round 7/2) (floor -3.5))"), "(1/3 0.3333333333333333 1/2 2.0 4 -4.0)");
  assert.equal(run("(list (quotient -7 2) (remainder -7 2) (modulo -7 2) (call-with-values (lambda () (truncate/ -7 2)) list))"), "(-3 -1 1 (-3 -1))");
  assert.equal(run("(list (= 1 1.0) (< 1 2 3) (max 1 2.0) (min 1 2) (abs -5) (gcd 12 18) (lcm 4 6))"), "(#t #t 2.0 1 5 6 12)");
  assert.equal(
    run("(list (exact? 1/2) (integer? 2.0) (even? 0) (zero? 0.0) (number->string 255 16) (sqrt 16) (sqrt 2))"),
    '(#t #t #t #t "ff" 4 1.4142135623730951)',
  );
  assert.equal(failure("(/ 1 0)").code, "numerical-overflow");
  assert.equal(failure('(+ 1 "2")').code, "wrong-type-arg");
});
