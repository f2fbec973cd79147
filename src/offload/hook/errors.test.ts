import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { exitStatusOf, HOOK_EXIT, HookError } from "./errors.ts";

describe("hook errors", () => {
  it("map to the statuses guix-daemon distinguishes", () => {
    assert.equal(exitStatusOf(new HookError("build-failed", "x")), 100);
    assert.equal(exitStatusOf(new HookError("timed-out", "x")), 101);
    assert.equal(exitStatusOf(new HookError("remote", "x", { machine: "b" })), HOOK_EXIT.transient);
    assert.equal(exitStatusOf(new TypeError("bug")), 1);
  });

  it("carry a stable code and the machine", () => {
    const error = new HookError("remote", "lost", { machine: "b" });
    assert.equal(error.code, "remote");
    assert.equal(error.machine, "b");
  });
});
