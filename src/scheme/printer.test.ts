import assert from "node:assert/strict";
import { test } from "node:test";
import { createInterpreter } from "./interpreter.ts";
import { abbreviate } from "./abbreviate.ts";
import { displayString, writeAbbreviated, writeString } from "./printer.ts";
import { schemeString } from "./values.ts";

const show = (text: string) => writeString(createInterpreter().evalString(text));

test("floats print as Guile prints them", () => {
  assert.equal(
    show("(list 2. .5 -0.0 1e21 1e20 1234567.5 12345600. 1e7 1e-3 1.5e-4 (/ 1. 3))"),
    "(2.0 0.5 -0.0 1.0e21 1.0e20 1234567.5 12345600.0 1.0e7 0.001 1.5e-4 0.3333333333333333)",
  );
});

test("exact numbers, strings, characters, symbols, keywords and vectors", () => {
  assert.equal(show("(list (expt 2 70) 1/3 -7)"), "(1180591620717411303424 1/3 -7)");
  assert.equal(show('"a\\nb\\t\\"q\\" \\x7f"'), '"a\\nb\\t\\"q\\" \\x7f"');
  assert.equal(show("(list #\\a #\\space #\\nul #\\x7f #\\λ)"), "(#\\a #\\space #\\nul #\\delete #\\λ)");
  assert.equal(show('(list (string->symbol "foo bar") \'1+ \'a.b (string->symbol ""))'), "(#{foo bar}# #{1+}# a.b #{}#)");
  assert.equal(show("(list #:key #(1 \"a\") '(a . b) ''x)"), '(#:key #(1 "a") (a . b) (quote x))');
  assert.equal(displayString(createInterpreter().evalString('(list "a" #\\b)')), "(a b)");
});

test("the documented examples hold", () => {
  assert.equal(writeString(createInterpreter().evalString('(list \'a "b\\n" 2.)')), '(a "b\\n" 2.0)');
  assert.equal(displayString(schemeString("b")), "b");
});

test("cycles print as Guile prints them, as #N#", () => {
  const cases: Array<[string, string]> = [
    ["(define l (list 1)) (set-cdr! l l) l", "(1 . #0#)"],
    ["(define l (list 1 2)) (set-cdr! (cdr l) l) l", "(1 2 . #-1#)"],
    ["(define l (list 1 2 3)) (set-cdr! (cddr l) (cdr l)) l", "(1 2 3 . #-1#)"],
    ["(define l (list 1)) (set-car! l l) l", "(#0#)"],
    ["(define v (vector 1 2)) (vector-set! v 1 (list v)) v", "#(1 (#-1#))"],
    ["(define l (list 1)) (set-cdr! l l) (list 'a l)", "(a (1 . #0#))"],
    ["(define a (list 1)) (define b (list a)) (set-car! a b) a", "((#0#))"],
    ["(define a (list 1)) (define b (list a 9)) (set-car! a b) a", "((#-1# 9))"],
    ["(define a (list 1 2)) (set-car! a a) (set-cdr! (cdr a) a) a", "(#0# 2 . #-1#)"],
  ];
  for (const [program, written] of cases) assert.equal(show(program), written, program);
});

test("data nested 100,000 deep prints without recursion", () => {
  const text = show("(let loop ((i 0) (x '())) (if (< i 100000) (loop (+ i 1) (list x)) x))");
  assert.equal(text.length, 200_002);
  assert.ok(text.startsWith("((((") && text.endsWith("))))"));
});

test("a list nested a million deep, and long cyclic lists, print in time linear in their size", () => {
  // Each value was once looked up by scanning everything being printed: hours for the first of these.
  const scheme = createInterpreter();
  const deep = scheme.evalString("(let loop ((i 0) (l '())) (if (= i 1000000) l (loop (+ i 1) (list l))))");
  const printed = writeString(deep);
  assert.equal(printed.length, 2_000_002);
  assert.ok(printed.startsWith("((((") && printed.endsWith("))))"));
  scheme.evalString("(use-modules (srfi srfi-1))");
  const cyclic = writeString(scheme.evalString("(let ((l (iota 100000))) (set-cdr! (last-pair l) l) l)"));
  assert.ok(cyclic.startsWith("(0 1 2 ") && cyclic.endsWith(" 99999 . #-99999#)"), cyclic.slice(-30));
  const inner = writeString(scheme.evalString("(let ((l (list (iota 100000)))) (set-cdr! (last-pair (car l)) (car l)) (list (list l)))"));
  assert.ok(inner.endsWith(" 99999 . #-99999#))))"), inner.slice(-30));
});

test("writeAbbreviated is abbreviate(writeString(...)) without writing what it cuts", () => {
  const scheme = createInterpreter();
  scheme.evalString("(use-modules (srfi srfi-1))");
  const values = [
    '\'(1 "two" #(3 4) (5 . 6))',
    "(iota 100)",
    "(make-string 200 #\\x)",
    "(let ((l (list 1 2 3))) (set-cdr! (cddr l) l) l)",
    "(let ((v (make-vector 2 0))) (vector-set! v 0 v) (list v v))",
    "(let loop ((i 0) (l '())) (if (= i 50) l (loop (+ i 1) (list l))))",
    "'sym",
    "(vector)",
  ];
  for (const text of values) {
    const value = scheme.evalString(text);
    for (const max of [5, 20, 80, 1000]) assert.equal(writeAbbreviated(value, max), abbreviate(writeString(value), max), `${text} at ${max}`);
  }
  // A value of a million elements: the message's 80 characters, not the whole of it.
  assert.equal(writeAbbreviated(scheme.evalString("(iota 1000000)")), `(${Array.from({ length: 40 }, (_, i) => i).join(" ")}`.slice(0, 77) + "...");
});
