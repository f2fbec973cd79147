import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { defineAllBuiltins } from "../builtins/index.ts";
import { BuiltinTable } from "../builtins/registry.ts";
import { Evaluator } from "../evaluator.ts";
import { list, schemeString, stringText, sym } from "../values.ts";
import { Modules } from "./module-system.ts";

test("the documented example holds", () => {
  const table = new BuiltinTable();
  defineAllBuiltins(table);
  table.bind("build-machine", schemeString("a record constructor"), "guix scripts offload");
  const evaluator = new Evaluator();
  const modules = new Modules(table);
  const top = modules.createTop(evaluator.global, ["guix scripts offload"]);
  assert.equal(stringText(top.lookup(sym("build-machine"))), "a record constructor");
  assert.equal(top.lookup(sym("fold")), undefined);
  modules.use(list(sym("srfi"), sym("srfi-1")), top, undefined, evaluator);
  assert.ok(top.lookup(sym("fold")));
  assert.equal(modules.provider("fold"), "srfi srfi-1");
});

test("a name is visible exactly when Guile makes it visible", () => {
  assert.equal(failure("(fold + 0 '())").code, "unbound-variable");
  assert.match(failure("(fold + 0 '())").message, /it is in \(srfi srfi-1\): add \(use-modules \(srfi srfi-1\)\)/);
  assert.equal(run("(use-modules ((srfi srfi-1) #:select ((fold . f)))) (f + 0 '(1))"), "1");
  assert.equal(failure("(use-modules ((srfi srfi-1) #:select ((fold . f)))) (fold + 0 '())").code, "unbound-variable");
  assert.equal(run("(use-modules ((srfi srfi-1) #:prefix s:)) (s:last '(1 2))"), "2");
  assert.equal(run("(use-modules ((srfi srfi-1) #:select (last) #:renamer (symbol-prefix-proc 'r:))) (r:last '(1 2))"), "2");
  assert.equal(failure("(use-modules ((srfi srfi-1) #:hide (last))) (last '(1))").code, "unbound-variable");
  assert.equal(run("(define (first l) 'mine) (use-modules (srfi srfi-1)) (first '(1))"), "mine");
});

test("Guix's own modules import as boilerplate does; a name used from them is unsupported, naming them", () => {
  assert.equal(run("(use-modules (gnu) (guix)) (define-module (m) #:use-module (gnu system)) 'loaded"), "loaded");
  const used = failure("(use-modules (gnu) (guix packages)) (package-name p)");
  assert.equal(used.code, "unsupported");
  assert.equal(used.message, "package-name is not bound here; it may come from (gnu), (guix packages), which this evaluator does not provide");
  assert.equal(failure("(package-name p)").code, "unbound-variable", "without the imports, an unbound variable as in Guile");
});

test("what Guile has and we do not is said as such: unsupported names and modules", () => {
  const name = failure("(char-set-contains? char-set:letter #\\a)");
  assert.equal(name.code, "unsupported");
  assert.match(name.message, /from \(guile\)\) is not implemented/);
  assert.equal(failure("(use-modules (srfi srfi-1)) (lset-xor eq?)").code, "unsupported");
  assert.equal(failure("(use-modules (web client))").code, "unsupported-module");
  assert.equal(failure("(@ (guix gexp) gexp)").code, "unsupported-module");
  assert.equal(failure("(use-modules (no such module))").code, "misc-error");
  assert.equal(failure("(use-modules ((srfi srfi-1) #:select (nonexistent)))").code, "unbound-variable");
  assert.equal(failure("(use-modules ((srfi srfi-1) #:hide (nonexistent)))").code, "misc-error");
});
