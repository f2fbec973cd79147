import assert from "node:assert/strict";
import { test } from "node:test";
import { form, run } from "../../test/differential/scheme-support.ts";
import { Environment } from "./environment.ts";
import { Evaluator } from "./evaluator.ts";
import { writeString } from "./printer.ts";
import { expandQuasiquote } from "./quasiquote.ts";
import { Pair, sym } from "./values.ts";

test("the documented example holds", () => {
  assert.equal(run("`(1 ,(+ 1 1) ,@(list 3 4))"), "(1 2 3 4)");
  const evaluator = new Evaluator();
  const env = new Environment(evaluator.global);
  env.define(sym("x"), 5);
  const template = (form("(quasiquote (a ,x #(,x) . ,x))").cdr as Pair).car;
  assert.equal(writeString(expandQuasiquote(template, 1, env, evaluator, undefined)), "(a 5 #(5) . 5)");
});

test("nesting keeps inner unquotes as data; splicing needs a list", () => {
  assert.equal(run("(let ((x 5)) `(a `(b ,(c ,x))))"), "(a (quasiquote (b (unquote (c 5)))))");
  assert.match(run("(catch #t (lambda () `(,@5)) (lambda (k . a) k))"), /wrong-type-arg/);
});
