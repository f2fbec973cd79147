import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { isEqual } from "../equality.ts";
import { Pair, list, schemeString } from "../values.ts";
import { assocBy, columns, memberBy, notAList, truthy } from "./lists.ts";

test("the documented examples hold", () => {
  assert.equal(run("(append '(1) '(2 3))"), "(1 2 3)");
  assert.equal(run("(assoc-ref '((a . 1)) 'a)"), "1");
  assert.equal(run("(iota 3 0 0.5)"), "(0.0 0.5 1.0)");
});

test("the helpers srfi-1 shares", () => {
  assert.deepEqual(columns("map", [list(1, 2, 3), list(4, 5)]), [
    [1, 4],
    [2, 5],
  ]);
  assert.equal(truthy(false), false);
  assert.equal(truthy(0), true);
  assert.deepEqual(memberBy("member", isEqual)([2, list(1, 2)]), list(2));
  assert.deepEqual(assocBy("assoc", isEqual)([schemeString("k"), list(new Pair(schemeString("k"), 1))]), new Pair(schemeString("k"), 1));
  assert.equal(assocBy("assoc", isEqual)([schemeString("z"), list(new Pair(schemeString("k"), 1))]), false);
  assert.match(notAList("length", 1, 1).message, /expecting list/);
});

test("pairs and lists of Guile's default environment", () => {
  assert.equal(run("(list (cons 1 2) (cons* 1 2 '(3)) (car '(a b)) (cadr '(a b)) (length '(1 2)) (reverse '(1 2)))"), "((1 . 2) (1 2 3) a b 2 (2 1))");
  assert.equal(run("(list (list-ref '(a b) 1) (list-tail '(a b c) 2) (last-pair '(1 2)) (list? '(1 . 2)) (null? '()))"), "(b (c) (2) #f #t)");
  assert.equal(run("(list (memq 'b '(a b)) (member '(1) '((1))) (assq 'b '((a . 1) (b . 2))) (assv 2 '((2 . x))))"), "((b) ((1)) (b . 2) (2 . x))");
  assert.equal(
    run("(list (map + '(1 2) '(10 20)) (filter odd? '(1 2 3)) (delete 2 '(1 2 3)) (apply + 1 '(2 3)) (sort '(3 1 2) <))"),
    "((11 22) (1 3) (1 3) 6 (1 2 3))",
  );
  assert.equal(failure("(car '())").code, "wrong-type-arg");
  assert.equal(failure("(list-ref '(a) 5)").code, "out-of-range");
  assert.equal(failure("(member 1 '(1) =)").code, "wrong-number-of-args", "core member takes two arguments");
});
