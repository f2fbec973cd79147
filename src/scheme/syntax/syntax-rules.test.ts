import assert from "node:assert/strict";
import { test } from "node:test";
import { form, run } from "../../../test/differential/scheme-support.ts";
import { Environment } from "../environment.ts";
import { Renamed } from "../identifiers.ts";
import { writeString } from "../printer.ts";
import { Pair } from "../values.ts";
import { parseSyntaxRules, transform } from "./syntax-rules.ts";

test("the documented example holds: the expansion renames what the template introduces", () => {
  const env = new Environment();
  const rules = parseSyntaxRules(form("(syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp))))"), env);
  assert.equal(rules.rules.length, 1);
  const expansion = transform(rules, form("(swap! x y)"));
  assert.equal(writeString(expansion), "(let ((tmp x)) (set! x y) (set! y tmp))");
  assert.ok((expansion as Pair).car instanceof Renamed, "let is the macro's, not the user's");
});

test("literals, _, nested ellipses, tail patterns, dotted and vector patterns, a custom ellipsis, (... ...)", () => {
  assert.equal(run("(define-syntax f (syntax-rules (=>) ((_ a => b) (list b a)))) (f 1 => 2)"), "(2 1)");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ _ b) b))) (f 1 2)"), "2");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ (a b ...) ...) '((a ...) (b ... ...))))) (f (1 2 3) (4 5))"), "((1 4) (2 3 5))");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ a ... z) '(z a ...)))) (f 1 2 3)"), "(3 1 2)");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ a . r) 'r))) (f 1 2 3)"), "(2 3)");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ #(a ...)) (list a ...)))) (f #(1 2))"), "(1 2)");
  assert.equal(run("(define-syntax f (syntax-rules ::: () ((_ a :::) (list a :::)))) (f 1 2)"), "(1 2)");
  assert.equal(run("(define-syntax f (syntax-rules () ((_ a) '(a (... ...))))) (f 1)"), "(1 ...)");
});

test("an expansion is located at the macro's use", () => {
  const env = new Environment();
  const rules = parseSyntaxRules(form("(syntax-rules () ((_ x) (list x)))"), env);
  const use = form("\n\n   (m 1)");
  assert.equal((transform(rules, use) as Pair).span?.toString(), "t.scm:3:4");
});
