import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented example holds: a macro's own tmp does not capture the user's", () => {
  assert.equal(run("(define-syntax-rule (swap! a b) (let ((tmp a)) (set! a b) (set! b tmp))) (let ((tmp 1) (y 2)) (swap! tmp y) (list tmp y))"), "(2 1)");
});

test("define-syntax, let-syntax, letrec-syntax with syntax-rules", () => {
  assert.equal(run("(define-syntax my-or (syntax-rules () ((_) #f) ((_ e r ...) (let ((t e)) (if t t (my-or r ...)))))) (let ((t 5)) (my-or #f t))"), "5");
  assert.equal(run("(let-syntax ((double (syntax-rules () ((_ x) (* 2 x))))) (double 21))"), "42");
  assert.equal(run("(letrec-syntax ((count (syntax-rules () ((_) 0) ((_ x r ...) (+ 1 (count r ...)))))) (count a b c))"), "3");
});

test("a macro's free names mean what they meant where it was defined", () => {
  assert.equal(run("(define-syntax-rule (my-list . args) (list . args)) (let ((list vector)) (my-list 1 2))"), "(1 2)");
});

test("define-macro computes its expansion (not hygienic, as in Guile)", () => {
  assert.equal(run("(define-macro (twice x) `(begin ,x ,x)) (let ((n 0)) (twice (set! n (+ n 1))) n)"), "2");
});

test("procedural macros are unsupported, said as such; a use no rule matches is a syntax error", () => {
  assert.equal(failure("(define-syntax m (lambda (x) x))").code, "unsupported");
  assert.equal(failure("(define-syntax-rule (two a b) (list a b)) (two 1)").code, "syntax-error");
});
