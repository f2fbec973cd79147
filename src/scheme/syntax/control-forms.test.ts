import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import type { SpecialForm } from "../values.ts";
import { defineControlForms } from "./control-forms.ts";

test("the documented example holds", () => {
  const forms = new Map<string, SpecialForm>();
  defineControlForms((name, f) => forms.set(name, f));
  assert.deepEqual([...forms.keys()], ["quote", "quasiquote", "unquote", "unquote-splicing", "if", "cond", "case", "and", "or", "when", "unless", "begin"]);
});

test("if, cond (with =>), case (with =>), and, or, when, unless, begin", () => {
  assert.equal(run("(list (if #f 1 2) (if 0 'zero-is-true))"), "(2 zero-is-true)");
  assert.equal(run("(cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 'no))"), "b");
  assert.equal(run("(cond (#f 1) ((+ 1 2)))"), "3");
  assert.equal(run("(case 5 ((1 2) 'small) ((5) => (lambda (x) (* x 10))) (else 'other))"), "50");
  assert.equal(run("(list (and) (and 1 2) (or) (or #f 3))"), "(#t 2 #f 3)");
  assert.equal(run("(list (when #t 'yes) (unless #f 'no) (begin 1 2 3))"), "(yes no 3)");
});

test("case compares with eqv?: a string datum never matches", () => {
  assert.equal(run(`(case "x86_64" (("x86_64") 'matched) (else 'else))`), "else");
});

test("quasiquote at any depth, and its markers outside of it are syntax errors", () => {
  assert.equal(run("(let ((x 5)) `(a ,x ,@(list 1 2) `(b ,(c ,x))))"), "(a 5 1 2 (quasiquote (b (unquote (c 5)))))");
  assert.equal(failure("(unquote x)").code, "syntax-error");
});

test("else and => keep their meaning inside macro expansions, and quoted data a macro writes is plain", () => {
  assert.equal(run("(define-syntax-rule (pick x) (cond ((eq? x 'a) '(got a)) (else '(other)))) (list (pick 'a) (pick 'b))"), "((got a) (other))");
  assert.equal(run("(define-syntax-rule (q) '(x y)) (symbol? (car (q)))"), "#t");
});
