import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented example holds", () => {
  assert.equal(run('(let ((h (make-hash-table))) (hash-set! h "a" 1) (hash-ref h "a"))'), "1");
});

test("equal?, eqv? and eq? lookups, removal, counting and walking", () => {
  assert.equal(run("(let ((h (make-hash-table))) (hash-set! h '(1 2) 'v) (list (hash-ref h (list 1 2)) (hash-ref h 'x 'none)))"), "(v none)");
  assert.equal(run('(let ((h (make-hash-table))) (hashq-set! h "k" 1) (hashq-ref h "k"))'), "#f", "two string literals are not eq?");
  assert.equal(run("(let ((h (make-hash-table))) (hashv-set! h 1.5 'v) (hashv-ref h 1.5))"), "v");
  assert.equal(
    run("(let ((h (make-hash-table))) (hash-set! h 'a 1) (hash-set! h 'b 2) (hash-remove! h 'a) (list (hash-count (const #t) h) (hash-map->list cons h)))"),
    "(1 ((b . 2)))",
  );
  assert.equal(
    run(
      "(let ((h (make-hash-table)) (n 0)) (hash-set! h 'x 10) (hash-for-each (lambda (k v) (set! n (+ n v))) h) (list n (hash-fold (lambda (k v acc) (+ v acc)) 1 h)))",
    ),
    "(10 11)",
  );
  assert.equal(failure("(hash-ref '() 'k)").code, "wrong-type-arg");
});
