import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { SchemeError } from "../errors.ts";
import { ExceptionObject, list, schemeString, sym } from "../values.ts";
import { exceptionValue, thrown } from "./exceptions.ts";

test("the documented examples hold", () => {
  assert.equal(run('(catch #t (lambda () (error "boom" 1)) (lambda (key . args) key))'), "misc-error");
  assert.equal(run("(use-modules (ice-9 exceptions)) (with-exception-handler (lambda (e) 10) (lambda () (+ 1 (raise-continuable 5))))"), "11");
});

test("thrown: a key Guile throws keeps its code; any other is uncaught-throw", () => {
  assert.equal(thrown(sym("wrong-type-arg"), list(false, schemeString("x"), list(), false)).code, "wrong-type-arg");
  const own = thrown(sym("no-machines"), list(schemeString("today")));
  assert.equal(own.code, "uncaught-throw");
  assert.equal(own.message, 'Throw to key `no-machines\' with args ("today").');
  assert.ok(exceptionValue(own) instanceof ExceptionObject);
});

test("catch with a key or #t, error's throw arguments, scm-error", () => {
  assert.equal(run('(catch #t (lambda () (error "msg" 1)) (lambda (k . a) a))'), '(#f "~A ~S" ("msg" 1) #f)');
  assert.equal(run("(catch 'a (lambda () (catch 'b (lambda () (throw 'a 1)) (lambda _ 'inner))) (lambda (k . a) (list 'outer a)))"), "(outer (1))");
  assert.equal(run('(catch \'k (lambda () (scm-error \'k "subr" "m" \'() #f)) (lambda (k . a) a))'), '("subr" "m" () #f)');
});

test("with-exception-handler: in place (continuable or not), or after unwinding; guard re-raises when no clause applies", () => {
  assert.equal(run("(with-exception-handler (lambda (e) (list 'got e)) (lambda () (raise-exception 5 #:continuable? #t)))"), "(got 5)");
  assert.equal(run("(with-exception-handler (lambda (e) (exception-kind e)) (lambda () (car 1)) #:unwind? #t)"), "wrong-type-arg");
  assert.equal(failure("(with-exception-handler (lambda (e) 'returned) (lambda () (raise-exception 1)))").code, "uncaught-exception");
  assert.equal(run("(use-modules (srfi srfi-34)) (guard (e ((symbol? e) (list 'caught e))) (raise 'oops))"), "(caught oops)");
  assert.equal(failure("(use-modules (srfi srfi-34)) (guard (e ((string? e) e)) (raise 'not-a-string))").code, "uncaught-exception");
});

test("limits and refusals are never caught", () => {
  for (const handler of ["(catch #t (lambda () BODY) (lambda _ 'caught))", "(with-exception-handler (lambda (e) 'caught) (lambda () BODY) #:unwind? #t)"]) {
    assert.equal(failure(handler.replace("BODY", '(system "true")')).code, "refused");
    const error = failure(handler.replace("BODY", "(let loop () (loop))"), { maxSteps: 100_000 });
    assert.ok(error instanceof SchemeError && error.code === "limit-exceeded");
  }
});
