import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import type { SpecialForm } from "../values.ts";
import { defineModuleForms } from "./module-forms.ts";

test("the documented example holds", () => {
  const forms = new Map<string, SpecialForm>();
  defineModuleForms((name, f) => forms.set(name, f));
  assert.equal(forms.has("use-modules"), true);
});

test("define-module makes a fresh module current for the forms after it", () => {
  assert.equal(run("(define x 1) (define-module (other)) (defined? 'x)"), "#f");
  assert.equal(run("(define-module (other) #:use-module (srfi srfi-1)) (fold + 0 '(1 2))"), "3");
  assert.equal(run("(define-module (other) #:export (f) #:autoload (srfi srfi-1) (fold)) (fold + 0 '(4))"), "4");
});

test("use-modules, @ and @@; a module Guile lacks is Guile's error, one we lack is unsupported-module", () => {
  assert.equal(run("(use-modules ((srfi srfi-1) #:select ((first . head)))) (head '(a b))"), "a");
  assert.equal(run("((@ (srfi srfi-1) last) '(1 2 3))"), "3");
  assert.equal(failure("(use-modules (no such module))").code, "misc-error");
  const unsupported = failure("(use-modules (ice-9 regex))");
  assert.equal(unsupported.code, "unsupported-module");
  assert.match(unsupported.message, /module \(ice-9 regex\) is part of Guile but this evaluator does not provide it/);
  assert.match(failure("(@ (gnu packages base) hello)").message, /module \(gnu packages base\) is part of Guix/);
  assert.equal(run("(export f) (re-export g) 'ok"), "ok");
});
