import assert from "node:assert/strict";
import { test } from "node:test";
import * as reader from "../../grammar/reader.ts";
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
  for (const name of ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_BYTES"] as const) assert.equal(reader[name], defaults[name], name);
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
