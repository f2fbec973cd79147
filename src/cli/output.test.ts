import { test } from "node:test";
import assert from "node:assert/strict";
import { CliError, errorLine, UsageError, withoutProgramPrefix } from "./output.ts";

test("an error line never doubles the program's prefix", () => {
  assert.equal(errorLine("offload: output nothere.txt was not created"), "offload: error: output nothere.txt was not created");
  assert.equal(errorLine("offload: error: offload: x"), "offload: error: x");
  assert.equal(errorLine("no machine"), "offload: error: no machine");
  assert.equal(withoutProgramPrefix("offloading failed"), "offloading failed");
});

test("errors carry a stable code and their exit status", () => {
  const failed = new CliError("x");
  const usage = new UsageError("y");
  assert.deepEqual([failed.code, failed.exitCode], ["command-failed", 1]);
  assert.deepEqual([usage.code, usage.exitCode], ["usage", 2]);
  assert.ok(usage instanceof CliError);
});
