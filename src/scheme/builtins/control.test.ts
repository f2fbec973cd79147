import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented examples hold", () => {
  assert.equal(run("((compose car cdr) '(1 2))"), "2");
  assert.equal(run("(and=> 5 1+)"), "6");
  assert.equal(run("(call-with-values (lambda () (values 1 2)) +)"), "3");
});

test("combinators, parameters, promises, dynamic-wind and escape-only continuations", () => {
  assert.equal(run("(list ((const 1) 2) (identity 'x) ((negate odd?) 2) (and=> #f 1+))"), "(1 x #t #f)");
  assert.equal(run("(let ((p (make-parameter 2 (lambda (x) (* x 10))))) (p))"), "20");
  assert.equal(run("(let* ((n 0) (p (delay (begin (set! n (+ n 1)) n)))) (force p) (force p) n)"), "1");
  assert.equal(run("(force (make-promise (lambda () 'computed)))"), "computed");
  assert.equal(
    run(
      "(let ((log '())) (call/cc (lambda (k) (dynamic-wind (lambda () (set! log (cons 'in log))) (lambda () (k 'escaped)) (lambda () (set! log (cons 'out log)))))) (reverse log))",
    ),
    "(in out)",
  );
  assert.equal(failure("(define saved #f) (call/cc (lambda (k) (set! saved k))) (saved 1)").code, "unsupported");
});

test("identity: eq? and eqv? compare objects", () => {
  assert.equal(
    run('(list (eq? "a" "a") (eqv? "a" "a") (equal? "a" "a") (let ((p (list 1))) (eq? p p)) (eqv? 2.0 2) (eq? (quote a) (quote a)))'),
    "(#f #f #t #t #f #t)",
  );
  assert.equal(run("(list (defined? 'car) (defined? 'no-such-name) (procedure-name car))"), "(#t #f car)");
});
