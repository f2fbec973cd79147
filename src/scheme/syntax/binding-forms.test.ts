import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { BuiltinTable } from "../builtins/registry.ts";
import type { SpecialForm } from "../values.ts";
import { defineBindingForms, defineValuesModules } from "./binding-forms.ts";

test("the documented example holds", () => {
  const forms = new Map<string, SpecialForm>();
  defineBindingForms((name, f) => forms.set(name, f));
  assert.equal(forms.has("let*"), true);
  const table = new BuiltinTable();
  defineValuesModules(table);
  assert.deepEqual([...table.modules.keys()], ["ice-9 receive", "srfi srfi-8", "srfi srfi-11"]);
});

test("define (with curried definitions), define*, set!, lambda, lambda*", () => {
  assert.equal(run("(define (f x . rest) (list x rest)) (f 1 2 3)"), "(1 (2 3))");
  assert.equal(run("(define ((adder n) x) (+ n x)) ((adder 1) 41)"), "42");
  assert.equal(run("(define* (g a #:optional (b 2) #:key (c 3)) (list a b c)) (g 1 #:c 9)"), "(1 2 9)");
  assert.equal(run("(define x 1) (set! x (+ x 1)) x"), "2");
  assert.equal(failure("(set! never-defined 1)").code, "unbound-variable");
});

test("let, named let, let*, letrec, do", () => {
  assert.equal(run("(let ((x 1) (y 2)) (+ x y))"), "3");
  assert.equal(run("(let loop ((i 0) (acc '())) (if (= i 3) acc (loop (+ i 1) (cons i acc))))"), "(2 1 0)");
  assert.equal(run("(let* ((x 1) (y (+ x 1))) (list x y))"), "(1 2)");
  assert.equal(run("(letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1))))) (od? (lambda (n) (if (= n 0) #f (ev? (- n 1)))))) (ev? 10))"), "#t");
  assert.equal(run("(do ((i 0 (+ i 1)) (acc '() (cons i acc))) ((= i 3) acc))"), "(2 1 0)");
});

test("case-lambda picks the first clause that accepts the arguments", () => {
  assert.equal(run("(define f (case-lambda ((a) 'one) ((a b) 'two) ((a . r) 'many))) (list (f 1) (f 1 2) (f 1 2 3))"), "(one two many)");
  assert.equal(failure("((case-lambda ((a) a)) 1 2)").code, "wrong-number-of-args");
});

test("define-values, receive and let-values bind formals to multiple values", () => {
  assert.equal(run("(define-values (a . rest) (values 1 2 3)) (list a rest)"), "(1 (2 3))");
  assert.equal(run("(use-modules (ice-9 receive)) (receive (q r) (values 7 1) (list q r))"), "(7 1)");
  assert.equal(run("(use-modules (srfi srfi-11)) (let*-values (((a b) (values 1 2)) ((c) (values (+ a b)))) c)"), "3");
  assert.equal(failure("(define-values (a b) (values 1))").code, "wrong-number-of-args");
});
