import assert from "node:assert/strict";
import { test } from "node:test";
import { readSource } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { createInterpreter } from "./interpreter.ts";
import * as defaults from "./limit-defaults.ts";

test("the defaults are the documented ones", () => {
  assert.deepEqual(
    { ...defaults },
    {
      DEFAULT_MAX_STEPS: 50_000_000,
      DEFAULT_MAX_CALL_DEPTH: 1_000_000,
      DEFAULT_MAX_SECONDS: 60,
      DEFAULT_MAX_MEMORY: 512 * 1024 * 1024,
      DEFAULT_MAX_DEPTH: 256,
      DEFAULT_MAX_BYTES: 64 * 1024 * 1024,
    },
  );
});

test("the reader and the evaluator use these very values", () => {
  // The depth default, applied by the reader: as deep as it reads, one more is refused.
  const nested = (depth: number): SourceText => new SourceText("t", "(".repeat(depth) + ")".repeat(depth));
  assert.equal(readSource(nested(defaults.DEFAULT_MAX_DEPTH)).length, 1);
  assert.throws(() => readSource(nested(defaults.DEFAULT_MAX_DEPTH + 1)), new RegExp(`nested more than ${defaults.DEFAULT_MAX_DEPTH} deep`));
  // The call depth default, applied: a recursion one level short of it is not what fails.
  const error = (() => {
    try {
      createInterpreter().evalString("(define (f) (+ 1 (f))) (f)");
    } catch (caught) {
      return caught as Error;
    }
  })();
  assert.match(error?.message ?? "", new RegExp(`more than ${defaults.DEFAULT_MAX_CALL_DEPTH} deep`));
});
