import assert from "node:assert/strict";
import { test } from "node:test";
import { form } from "../../../test/differential/scheme-support.ts";
import { SchemeError } from "../errors.ts";
import { Pair, sym } from "../values.ts";
import { badSyntax, bindings, body, operands, shape } from "./shape.ts";

test("the documented example holds", () => {
  const ifForm = form("(if x 1)");
  assert.deepEqual(shape(ifForm, 2, 3), [sym("x"), 1]);
  assert.throws(
    () => shape(ifForm, 3, 3),
    (e: unknown) => e instanceof SchemeError && e.code === "syntax-error" && e.message === "if: bad syntax in form (if x 1)",
  );
});

test("operands need a proper list; bodies must not be empty; bindings are (name init)", () => {
  assert.throws(() => operands(form("(f . x)")), /bad syntax/);
  const lambda = form("(lambda (x))");
  assert.throws(() => body((lambda.cdr as Pair).cdr, lambda), /lambda: bad syntax/);
  assert.deepEqual(bindings(form("((a 1) (b 2))"), form("(let)")), [
    [sym("a"), 1],
    [sym("b"), 2],
  ]);
  assert.throws(() => bindings(form("((a))"), form("(let ((a)) a)")), /let: bad syntax in form \(let \(\(a\)\) a\)/);
});

test("badSyntax locates the form and says why when it is told", () => {
  const error = badSyntax(form("\n  (define)"), "a name is needed");
  assert.equal(error.message, "define: bad syntax in form (define): a name is needed");
  assert.equal(`${error.location?.line}:${error.location?.column}`, "2:3");
});
