import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { createInterpreter } from "../interpreter.ts";
import { writeString } from "../printer.ts";

test("the documented examples hold", () => {
  assert.equal(run("(define p (make-parameter 1)) (parameterize ((p 2)) (p))"), "2");
  assert.equal(run(`(use-modules (srfi srfi-26)) ((cut string-append "x-" <>) "86")`), '"x-86"');
});

test("parameterize restores the value on the way out, error or not", () => {
  assert.equal(run('(define p (make-parameter 1)) (catch #t (lambda () (parameterize ((p 2)) (error "x"))) (lambda _ #f)) (p)'), "1");
});

test("false-if-exception catches Scheme errors but never a limit or a refusal", () => {
  assert.equal(run("(false-if-exception (car 1))"), "#f");
  assert.equal(failure('(false-if-exception (system "true"))').code, "refused");
  assert.equal(failure("(false-if-exception (let loop () (loop)))", { maxSteps: 100_000 }).code, "limit-exceeded");
});

test("include splices a file's forms, relative to the including file; current-filename names the file", () => {
  const dir = tempDir("offload-include-");
  writeFileSync(join(dir, "part.scm"), "(define from-part 'yes)");
  const main = join(dir, "main.scm");
  writeFileSync(main, '(include "part.scm") (list from-part (current-filename))');
  assert.equal(writeString(createInterpreter().loadFile(main)), `(yes "${main}")`);
  assert.equal(run("(current-filename)", { file: undefined }), `"${process.cwd()}/t.scm"`);
  assert.equal(failure('(include "/nonexistent/offload-test/part.scm")').code, "file-not-found");
});

test("cut and cute, and-let*", () => {
  assert.equal(run("(use-modules (srfi srfi-26)) ((cut list <> 'x <...>) 1 2 3)"), "(1 x 2 3)");
  assert.equal(run("(use-modules (srfi srfi-26)) (let* ((n 1) (f (cute + n <>))) (set! n 10) (f 1))"), "2");
  assert.equal(run("(use-modules (srfi srfi-2)) (and-let* ((x 5) ((> x 3))) (* x 2))"), "10");
  assert.equal(run("(use-modules (srfi srfi-2)) (and-let* ((x #f) (y (car x))) y)"), "#f");
});
