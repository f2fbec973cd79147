import assert from "node:assert/strict";
import { test } from "node:test";
import { failure } from "../../../test/differential/scheme-support.ts";
import { RefusedError } from "../errors.ts";
import { BuiltinTable } from "./registry.ts";
import { defineRefusedOperations } from "./refused.ts";

test("the documented example holds", () => {
  const error = failure('(system "make")');
  assert.ok(error instanceof RefusedError);
  assert.equal(error.message, "offload does not run programs while reading a configuration: `system` is refused");
});

test("each group says what it refuses; pipes only after importing (ice-9 popen), as in Guile", () => {
  const table = new BuiltinTable();
  defineRefusedOperations(table);
  assert.ok(table.modules.get("ice-9 popen")?.has("open-pipe*"));
  assert.equal(table.modules.get("guile")?.has("open-pipe"), false);
  const expected: Array<[string, string]> = [
    ['(delete-file "x")', "write files"],
    ['(setenv "A" "1")', "change the environment"],
    ['(chdir "/")', "change the working directory"],
    ["(socket 1 1 0)", "open sockets"],
    ["(exit 0)", "exit"],
    ["(kill 1 9)", "change the process"],
    ["(sleep 10)", "sleep or wait for signals"],
  ];
  for (const [program, action] of expected) assert.match(failure(program).message, new RegExp(`^offload does not ${action} while`), program);
  assert.equal(failure('(open-pipe "ls" OPEN_READ)').code, "unbound-variable");
});
