import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, form, run } from "../../test/differential/scheme-support.ts";
import { parseParameters } from "./parameters.ts";
import { Pair, sym } from "./values.ts";

test("the documented example holds", () => {
  const lambda = form("(lambda* (a #:optional (b 2) #:key c . rest) a)");
  const params = parseParameters((lambda.cdr as Pair).car, true, lambda);
  assert.deepEqual(params.required, [sym("a")]);
  assert.deepEqual(
    params.optional.map((o) => [o.name, o.defaultExpr]),
    [[sym("b"), 2]],
  );
  assert.deepEqual(
    params.keys.map((k) => k.name),
    [sym("c")],
  );
  assert.equal(params.rest, sym("rest"));
});

test("binding arguments: required, rest, optional defaults seeing earlier parameters, keywords", () => {
  assert.equal(run("((lambda (a . r) (list a r)) 1 2 3)"), "(1 (2 3))");
  assert.equal(run("((lambda* (a #:optional (b (* a 10))) (list a b)) 1)"), "(1 10)");
  assert.equal(run("((lambda* (#:key (x 1) (y 2)) (list x y)) #:y 5)"), "(1 5)");
  assert.equal(failure("((lambda (a) a))").code, "wrong-number-of-args");
  assert.equal(failure("((lambda* (#:key x) x) #:z 1)").code, "wrong-type-arg");
  assert.equal(failure("(lambda (1) 1)").code, "syntax-error");
});
