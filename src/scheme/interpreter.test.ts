import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readSource } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { SchemeError } from "./errors.ts";
import { asAbsolute, createInterpreter } from "./interpreter.ts";
import { writeString } from "./printer.ts";

test("the documented example holds", () => {
  const interp = createInterpreter();
  assert.equal(writeString(interp.evalString("(map 1+ '(1 2 3))")), "(2 3 4)");
});

test("loadFile, evalForms, and the callbacks a cache needs", () => {
  const dir = tempDir("offload-interpreter-");
  writeFileSync(join(dir, "main.scm"), '(define x (string-append (getenv "WHO") (gethostname))) (file-exists? "absent") x');
  const files: string[] = [];
  const facts: string[] = [];
  const interp = createInterpreter({ env: { WHO: "me@" }, onFileAccess: (f) => files.push(f), onHostFact: (f) => facts.push(f) });
  assert.match(writeString(interp.loadFile(join(dir, "main.scm"))), /^"me@/);
  assert.deepEqual(files, [join(dir, "main.scm"), join(dir, "absent")]);
  assert.deepEqual(facts, ["hostname"]);
  const forms = readSource(new SourceText(join(dir, "other.scm"), "(+ x-undefined 1)"));
  assert.throws(
    () => interp.evalForms(forms, join(dir, "other.scm")),
    (e: unknown) => e instanceof SchemeError && e.code === "unbound-variable",
  );
});

test("without file access the configuration itself is read, and nothing else", () => {
  const dir = tempDir("offload-interpreter-");
  writeFileSync(join(dir, "key.pub"), "k");
  writeFileSync(join(dir, "main.scm"), '(call-with-input-file "key.pub" read-char)');
  const interp = createInterpreter({ fileAccess: false });
  assert.throws(() => interp.loadFile(join(dir, "main.scm")), /may not read other files/);
  assert.equal(asAbsolute("/a/b"), "/a/b");
  assert.equal(asAbsolute("a/../b"), `${process.cwd()}/a/../b`, "as Guile, not normalized");
});

test("reading a file checks the clock: a file that includes itself in a loop of few steps ends at --max-seconds", () => {
  const dir = tempDir("offload-read-clock-");
  // Reading the first file takes longer than the whole limit; the second read is then past it, a few steps in.
  writeFileSync(join(dir, "slow.scm"), `(define data '(${"1 ".repeat(2_000_000)}))\n(load "next.scm")\n`);
  writeFileSync(join(dir, "next.scm"), "'next\n");
  assert.throws(
    () => createInterpreter({ maxSeconds: 0.001 }).evalString(`(load "${join(dir, "slow.scm")}")`),
    (error: SchemeError) => error.code === "limit-exceeded" && /more than 0\.001 seconds/.test(error.message),
  );
  assert.equal(writeString(createInterpreter().evalString(`(load "${join(dir, "slow.scm")}")`)), "next");
});

test("an include cycle, which Guile expands forever, is a limit-exceeded naming the chain", () => {
  const dir = tempDir("offload-include-cycle-");
  writeFileSync(join(dir, "machines.scm"), '(define x 1)\n(include "b.scm")\n');
  writeFileSync(join(dir, "b.scm"), '(include "c.scm")\n');
  writeFileSync(join(dir, "c.scm"), '(include "b.scm")\n');
  writeFileSync(join(dir, "self.scm"), '(include "self.scm")\n');
  const cycle = (file: string) => {
    try {
      createInterpreter({ file: join(dir, file) }).loadFile(join(dir, file));
    } catch (error) {
      return [(error as SchemeError).code, (error as SchemeError).message];
    }
    return [];
  };
  assert.deepEqual(cycle("machines.scm"), ["limit-exceeded", `include cycle: ${dir}/b.scm -> ${dir}/c.scm -> ${dir}/b.scm (Guile would expand it forever)`]);
  assert.deepEqual(cycle("self.scm"), ["limit-exceeded", `include cycle: ${dir}/self.scm -> ${dir}/self.scm (Guile would expand it forever)`]);
  // The same file included twice, one after the other, is no cycle.
  writeFileSync(join(dir, "twice.scm"), '(include "part.scm")\n(include "part.scm")\n');
  writeFileSync(join(dir, "part.scm"), "(define y 2)\n");
  assert.equal(writeString(createInterpreter({ file: join(dir, "twice.scm") }).loadFile(join(dir, "twice.scm"))), "#<unspecified>");
});
