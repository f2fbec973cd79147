import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemeError } from "./errors.ts";
import { createInterpreter } from "./interpreter.ts";
import { defineRecordType } from "./records.ts";

/** A record shaped like build-machine, so the record errors can be checked at this layer. */
const machineRecord = () =>
  defineRecordType({
    typeName: "build-machine",
    constructorName: "build-machine",
    fields: [{ name: "name" }, { name: "systems", default: () => false }, { name: "user" }, { name: "host-key" }],
  });

/** [program, code, message pattern, "line:column" of the reported location] */
const CASES: Array<[string, string, RegExp, string]> = [
  ['(list 1\n  "abc', "read-error", /^unterminated string starting at 2:3$/, "2:3"],
  ["(define x 1)\n(list x\n      (car (cdr y)))", "unbound-variable", /^Unbound variable: y$/, "3:17"],
  ["(define x 1)\n  (car x)", "wrong-type-arg", /^car: wrong type argument in position 1 \(expecting pair\): 1$/, "2:3"],
  ["(define (f a b) a)\n(f 1)", "wrong-number-of-args", /^Wrong number of arguments to f: 1$/, "2:1"],
  ["(list\n (let ((x)) x))", "syntax-error", /^let: bad syntax in form \(let \(\(x\)\) x\)$/, "2:2"],
  ['(call-with-input-file "/nonexistent/key.pub" (lambda (p) p))', "file-not-found", /^cannot read \/nonexistent\/key\.pub: no such file$/, "1:1"],
  ["(define (f) (f))\n(let loop () (loop))", "limit-exceeded", /more than 100000 steps/, "2:14"],
  ['(error "no machines for" (quote x86_64-linux))', "misc-error", /^no machines for x86_64-linux$/, "1:1"],
  ["(+ 1\n   (/ 1 0))", "numerical-overflow", /^\/: division by zero$/, "2:4"],
  ["(vector-ref (vector 1 2) 5)", "out-of-range", /^vector-ref: argument 2 out of range: 5$/, "1:1"],
  ['(build-machine (name "a") (user "u") (host-key "k") (name "b"))', "duplicate-field-initializer", /^duplicate field initializer name$/, "1:53"],
  ["(build-machine name)", "invalid-field-specifier", /^invalid field specifier name$/, "1:1"],
  [
    '(build-machine (name "a") (usr "u") (host-key "k"))',
    "extraneous-field-initializers",
    /^extraneous field initializers \(usr\) \(did you mean user\?\)$/,
    "1:1",
  ],
  ['(build-machine (host-key "k"))', "missing-field-initializers", /^missing field initializers \(name user\)$/, "1:1"],
];

test("every error has its code, message, line and column", () => {
  for (const [program, code, message, where] of CASES) {
    const interpreter = createInterpreter({
      maxSteps: 100_000,
      extend: (table) => table.bind("build-machine", machineRecord().constructor),
    });
    let caught: unknown;
    try {
      interpreter.evalString(program, "m.scm");
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof SchemeError, `${program}: expected a SchemeError, got ${String(caught)}`);
    assert.equal(caught.code, code, program);
    assert.match(caught.message, message, program);
    assert.equal(`${caught.location?.line}:${caught.location?.column}`, where, program);
    assert.match(caught.format(), new RegExp(`^m\\.scm:${where}: error: `), program);
  }
});

test("a message is cut at 1,024 characters, whatever a program raises", () => {
  const message = (text: string) => {
    try {
      createInterpreter().evalString(text);
    } catch (error) {
      return (error as SchemeError).message;
    }
    return "";
  };
  assert.equal(message(`(error "${"<".repeat(5000)}")`).length, 1024);
  assert.equal(message(`(error "short")`), "short");
  assert.equal(new SchemeError("misc-error", "x".repeat(2000)).message, `${"x".repeat(1021)}...`);
});
