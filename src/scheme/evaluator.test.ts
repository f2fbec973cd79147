import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemeError } from "./errors.ts";
import { createInterpreter } from "./interpreter.ts";
import { writeString } from "./printer.ts";

const run = (text: string, options = {}) => writeString(createInterpreter(options).evalString(text, "t.scm"));

function schemeError(text: string, options = {}): SchemeError {
  try {
    createInterpreter(options).evalString(text, "t.scm");
  } catch (error) {
    assert.ok(error instanceof SchemeError, `expected SchemeError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${text} to fail`);
}

test("special forms", () => {
  assert.equal(run("(define (f x . rest) (list x rest)) (f 1 2 3)"), "(1 (2 3))");
  assert.equal(run("(define* (g a #:optional (b 2) #:key (c 3) #:rest r) (list a b c)) (g 1 #:c 9)"), "(1 2 9)");
  assert.equal(
    run(
      "(let* ((x 1) (y (+ x 1))) (letrec ((even? (lambda (n) (if (= n 0) #t (odd? (- n 1))))) (odd? (lambda (n) (if (= n 0) #f (even? (- n 1)))))) (list y (even? 10))))",
    ),
    "(2 #t)",
  );
  assert.equal(run("(cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 'no))"), "b");
  assert.equal(run("(case (* 2 3) ((2 3 5 7) 'prime) ((1 4 6 8 9) 'composite))"), "composite");
  assert.equal(run("(do ((i 0 (+ i 1)) (acc '() (cons i acc))) ((= i 3) acc))"), "(2 1 0)");
  assert.equal(run("(let ((x 5)) `(a ,x ,@(list 1 2) `(b ,(c ,x))))"), "(a 5 1 2 (quasiquote (b (unquote (c 5)))))");
  assert.equal(run("(and 1 2 #f 3)"), "#f");
  assert.equal(run("(or #f '() 3)"), "()");
  assert.equal(run("(when #f 1)"), "#<unspecified>");
  assert.equal(run("(define x 1) (set! x (+ x 1)) x"), "2");
});

test("modules: srfi-1 needs importing, @ reaches it directly", () => {
  assert.equal(schemeError("(fold + 0 '(1 2))").code, "unbound-variable");
  assert.equal(run("(use-modules (srfi srfi-1)) (fold + 0 '(1 2))"), "3");
  assert.equal(run("((@ (srfi srfi-1) append-map) (lambda (x) (list x x)) '(1 2))"), "(1 1 2 2)");
  assert.equal(run("(define-module (my config) #:use-module (ice-9 textual-ports)) (procedure? get-string-all)"), "#t");
  assert.equal(schemeError("(use-modules (no such module))").code, "misc-error");
});

test("proper tail calls: a 10-million-iteration named let runs in constant stack", () => {
  assert.equal(run("(let loop ((i 0)) (if (< i 10000000) (loop (+ i 1)) i))", { maxSteps: 1e9 }), "10000000");
});

test("errors carry a code, a message and the location of the failing form", () => {
  const unbound = schemeError("(list\n  (foo 1))");
  assert.equal(unbound.code, "unbound-variable");
  assert.equal(unbound.message, "Unbound variable: foo");
  assert.equal(`${unbound.location!.line}:${unbound.location!.column}`, "2:4");
  const wrongType = schemeError("(car 5)");
  assert.equal(wrongType.code, "wrong-type-arg");
  assert.match(wrongType.message, /car: wrong type argument in position 1 \(expecting pair\): 5/);
  assert.equal(schemeError("((lambda (x) x))").code, "wrong-number-of-args");
  assert.equal(schemeError("(if)").code, "syntax-error");
  assert.equal(schemeError('(error "boom" 42)').message, "boom 42");
  assert.match(schemeError("(list ${SYSTEMS})").message, /unrendered template placeholder/);
  assert.match(schemeError("#~(build-machine)").message, /G-expressions/);
});

test("limits: endless loops and unbounded recursion end with a clear error", () => {
  const loop = schemeError("(let loop () (loop))", { maxSteps: 2_000_000 });
  assert.equal(loop.code, "limit-exceeded");
  assert.match(loop.message, /more than 2000000 steps/);
  const recursion = schemeError("(define (f n) (+ 1 (f n))) (f 0)");
  assert.equal(recursion.code, "limit-exceeded");
  const timed = schemeError("(let loop () (loop))", { maxSteps: 1e12, maxSeconds: 1 });
  assert.match(timed.message, /more than 1 seconds/);
});

test("the language cannot write files, run programs or open sockets: it refuses, said as such", () => {
  for (const name of ["open-output-file", "system", "system*", "delete-file", "mkdir", "rename-file", "call-with-output-file", "setenv", "chdir", "exit"]) {
    const refused = schemeError(`(${name} "x")`);
    assert.equal(refused.code, "refused", name);
    assert.match(refused.message, new RegExp(`^offload does not .* while reading a configuration: \`${name.replace(/[*]/g, "\\*")}\` is refused$`), name);
  }
  assert.equal(schemeError(`(use-modules (ice-9 popen)) (open-pipe "ls" OPEN_READ)`).code, "refused");
  const denied = schemeError('(call-with-input-file "/etc/hostname" (lambda (p) 1))', { fileAccess: false });
  assert.equal(denied.code, "file-error");
  assert.match(denied.message, /may not read other files \(--no-file-access\)/);
});

test("hostile programs end with a located limit-exceeded, never a raw JavaScript error", () => {
  const cases: Array<[string, RegExp, object]> = [
    ["(let loop ((l (iota 1000))) (loop (append l l)))", /holds more than 16 MiB of data/, { maxMemory: 16 * 1048576 }],
    ["(let loop ((n 2)) (loop (* n n)))", /integer grew past 4,000,000 bits/, {}],
    ['(let loop ((s "ab")) (loop (string-append s s)))', /string grew larger|holds more than/, {}],
    ["(let loop ((s 'ab)) (loop (symbol-append s s)))", /string grew larger|holds more than/, {}],
  ];
  for (const [program, message, options] of cases) {
    const error = schemeError(program, options);
    assert.equal(error.code, "limit-exceeded", program);
    assert.match(error.message, message, program);
    assert.ok(error.location, `${program} is located`);
  }
});

test("circular lists are not lists: errors as in Guile, never an endless walk", () => {
  const circular = "(define l (list 1 2)) (set-cdr! (cdr l) l)";
  for (const use of ["(length l)", "(map 1+ l)", "(apply + l)", "(list->vector l)", "(append l '(3))", "(reverse l)"]) {
    assert.equal(schemeError(`${circular} ${use}`).code, "wrong-type-arg", use);
  }
  assert.equal(run(`${circular} (list? l)`), "#f");
  assert.equal(run(`${circular} (memv 2 l)`), "(2 1 . #-1#)");
  assert.equal(schemeError(`${circular} (memv 5 l)`).code, "wrong-type-arg");
  assert.equal(run(`${circular} l`), "(1 2 . #-1#)");
  assert.equal(run("(define v (vector 1 2)) (vector-set! v 0 v) v"), "#(#0# 2)");
});

test("data nested 100,000 deep prints and compares without exhausting the stack", () => {
  const deep = "(define d (let loop ((i 0) (x '())) (if (< i 100000) (loop (+ i 1) (list x)) x)))";
  assert.equal(run(`${deep} (string-length (object->string d))`), "200002");
  assert.equal(
    run(`${deep} (define e (let loop ((i 0) (x (quote ()))) (if (< i 100000) (loop (+ i 1) (list x)) x))) (list (equal? d e) (equal? d (list e)))`),
    "(#t #f)",
  );
});

test("--max-memory bounds what a program holds before it is allocated: pending calls, string ports, padding, doubling lists", () => {
  const limit = 16 * 1048576;
  const cases: Array<[string, RegExp]> = [
    // Each of these once went far past the limit (the recursion and the string port to hundreds of MiB, the padding to 3 GiB).
    ["(define (f x) (cons x (f x))) (f 1)", /holds more than 16 MiB of data \(\d+ calls deep: unbounded recursion\?/],
    [
      '(call-with-output-string (lambda (port) (let loop () (display "xxxxxxxxxxxxxxxx" port) (loop))))',
      /holds more than 16 MiB of data \(an allocation bomb\?/,
    ],
    ['(format #f "~v,\'xa" 100000000 "")', /holds more than 16 MiB/],
    ['(format #f "~100000000d" 1)', /holds more than 16 MiB/],
    ['(format #f "~v%" 100000000)', /holds more than 16 MiB/],
    ["(make-string 90000000 #\\x)", /holds more than 16 MiB/],
    ['(string-pad "x" 90000000)', /holds more than 16 MiB/],
    ["(let loop ((l (iota 1000))) (loop (append l l)))", /holds more than 16 MiB/],
    // Interned symbols are never garbage; a vector is allocated whole.
    ["(let loop ((s 'ab)) (loop (symbol-append s s)))", /holds more than 16 MiB/],
    ['(let loop ((s "ab")) (loop (string-append s s)))', /holds more than 16 MiB/],
    ["(make-vector 10000000 0)", /holds more than 16 MiB/],
    ["(length (iota 10000000))", /holds more than 16 MiB/],
  ];
  for (const [program, message] of cases) {
    const before = process.memoryUsage().heapUsed;
    const error = schemeError(program, { maxMemory: limit });
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(error.code, "limit-exceeded", program);
    assert.match(error.message, message, program);
    // Garbage not yet collected counts here too: a few times the limit is what "never far past it" allows.
    assert.ok(grown < 4 * limit, `${program}: the heap grew by ${Math.round(grown / 1048576)} MiB`);
  }
  // Padding that fits is the same as before, one allocation instead of a loop.
  assert.equal(run(`(use-modules (ice-9 format)) (format #f "~10,4,2,'*a|" "abc")`), '"abc**********|"');
});
