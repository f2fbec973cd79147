import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { BuiltinTable } from "../builtins/registry.ts";
import { defineMatchModule } from "./match.ts";

const m = (body: string) => run(`(use-modules (ice-9 match)) ${body}`);

test("the documented examples hold", () => {
  assert.equal(m("(match '(1 (2 3)) ((a (b c)) (+ a b c)))"), "6");
  assert.equal(m("(match '(x 1 2 3) (('x nums ...) (apply + nums)))"), "6");
  assert.equal(m(`((match-lambda ((? string? s) s) (_ "other")) 5)`), '"other"');
  const table = new BuiltinTable();
  defineMatchModule(table);
  assert.deepEqual([...table.modules.get("ice-9 match")!.keys()], ["match", "match-lambda", "match-lambda*", "match-let", "match-let*", "match-letrec"]);
});

test("pattern forms: literals, repeated variables, ellipses with tails, ..1, vectors, ?, =, and, or, not, quasi-patterns", () => {
  assert.equal(m("(match '(1 1) ((a a) 'same) (_ 'different))"), "same");
  assert.equal(m("(match '(1 2 3 4 5) ((a b c ... d e) c))"), "(3)");
  assert.equal(m("(match '(1 2) ((a b c ..1) c) (_ 'fewer))"), "fewer");
  assert.equal(m("(match #(1 2 3) (#(a b c) (list c b a)))"), "(3 2 1)");
  assert.equal(m("(match 5 ((and x (? odd?)) (* x 2)))"), "10");
  assert.equal(m("(match '(1 2) ((= length n) n))"), "2");
  assert.equal(m("(match 'c ((or 'a 'b) 'ab) ((not 'd) 'not-d))"), "not-d");
  assert.equal(m("(match '(1 2 3) (`(1 ,b ,c) (list b c)))"), "(2 3)");
  assert.equal(m("(match '(x . 5) ((a . 'x) 'no) ((a . 5) a))"), "x");
});

test("(=> fail) goes on with the next clause; no match is Guile's match-error; ,@ in a quasi-pattern is a syntax error", () => {
  assert.equal(m("(match 1 (x (=> next) (next)) (_ 'next-clause))"), "next-clause");
  const error = failure("(use-modules (ice-9 match)) (match 1 (2 'x))");
  assert.equal(error.code, "match-error");
  assert.equal(error.key.name, "match-error");
  assert.equal(failure("(use-modules (ice-9 match)) (match '(a b) (`(a ,@r) r))").code, "syntax-error");
});

test("match-let, match-let*, match-letrec, match-lambda*", () => {
  assert.equal(m("(match-let (((a b) '(1 2)) (c 3)) (list a b c))"), "(1 2 3)");
  assert.equal(m("(match-let* (((a) '(1)) ((b) (list (+ a 1)))) b)"), "2");
  assert.equal(m("(match-letrec (((a b) (list 1 2))) (list b a))"), "(2 1)");
  assert.equal(m("((match-lambda* ((a b) (+ a b))) 1 2)"), "3");
});
