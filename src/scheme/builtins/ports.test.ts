import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { InputPort, stringText } from "../values.ts";
import { readAll, readLine } from "./ports.ts";

test("the documented examples hold", () => {
  assert.equal(run('(call-with-output-string (lambda (p) (write "x" p)))'), '"\\"x\\""');
  assert.equal(run('(with-input-from-string "(1 2) x" read)'), "(1 2)");
});

test("readLine and readAll consume the port", () => {
  const port = new InputPort("one\ntwo", null);
  assert.equal(stringText(readLine(port)), "one");
  assert.equal(readAll(port), "two");
  assert.equal(readAll(port), "");
  assert.equal(readLine(port) instanceof Object, true, "EOF at the end");
});

test("read, characters, lines; string output ports; textual-port modules", () => {
  assert.equal(run('(let ((p (open-input-string "1 (2 3) x"))) (list (read p) (read p) (read p) (eof-object? (read p))))'), "(1 (2 3) x #t)");
  assert.equal(run('(with-input-from-string "ab" (lambda () (list (read-char) (peek-char) (read-char))))'), "(#\\a #\\b #\\b)");
  assert.equal(run('(use-modules (ice-9 rdelim)) (read-line (open-input-string "x\\ny") (quote concat))'), '"x\\n"');
  assert.equal(run('(use-modules (ice-9 textual-ports)) (get-string-all (open-input-string ""))'), '""');
  assert.equal(run('(let ((p (open-output-string))) (display "a" p) (write 1 p) (newline p) (get-output-string p))'), '"a1\\n"');
  assert.equal(failure('(read (open-input-string "(unterminated"))').code, "read-error");
  assert.equal(failure("(read-char 'not-a-port)").code, "wrong-type-arg");
});
