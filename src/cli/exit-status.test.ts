import { test } from "node:test";
import assert from "node:assert/strict";
import { EXIT_INTERRUPTED, EXIT_OFFLOAD_FAILED, EXIT_TIMED_OUT, exitStatusOf } from "./exit-status.ts";

test("offload run exits with the remote status, or says how offloading ended", () => {
  assert.equal(exitStatusOf({ status: "succeeded", exitCode: 0 }), 0);
  assert.equal(exitStatusOf({ status: "failed", exitCode: 42 }), 42);
  assert.equal(exitStatusOf({ status: "failed", exitCode: null }), EXIT_OFFLOAD_FAILED);
  assert.equal(exitStatusOf({ status: "timed-out", exitCode: null }), EXIT_TIMED_OUT);
  assert.equal(exitStatusOf({ status: "cancelled", exitCode: null }), EXIT_INTERRUPTED);
  assert.equal(exitStatusOf({ status: "error", exitCode: null }), EXIT_OFFLOAD_FAILED);
  assert.deepEqual([EXIT_TIMED_OUT, EXIT_INTERRUPTED, EXIT_OFFLOAD_FAILED], [124, 130, 255]);
});
