import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented examples hold", () => {
  assert.equal(run("(vector->list (vector 1 2 3))"), "(1 2 3)");
  assert.equal(run("(use-modules (srfi srfi-43)) (vector-map (lambda (i x) (* i x)) #(5 6))"), "#(0 6)");
});

test("construction, access, mutation, copies; errors say which argument", () => {
  assert.equal(run("(let ((v (make-vector 2 'x))) (vector-set! v 1 'y) (list v (vector-length v) (vector-ref v 1)))"), "(#(x y) 2 y)");
  assert.equal(run("(list (list->vector '(1 2)) (vector-copy #(1 2 3) 1) (vector? #()))"), "(#(1 2) #(2 3) #t)");
  assert.equal(failure("(vector-ref (vector 1) 3)").code, "out-of-range");
  assert.equal(failure("(vector-length '(1))").code, "wrong-type-arg");
  assert.equal(failure("(vector-map 1+ #(1))").code, "unbound-variable", "vector-map is (srfi srfi-43)'s");
});
