import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHookArguments } from "./arguments.ts";
import { HookError } from "./errors.ts";

describe("hook arguments", () => {
  it("reads what guix-daemon passes (seen on a real daemon: x86_64-linux 3600 1 86400)", () => {
    assert.deepEqual(parseHookArguments(["x86_64-linux", "3600", "1", "86400"]), {
      system: "x86_64-linux",
      maxSilentTime: 3600,
      printBuildTrace: true,
      buildTimeout: 86400,
    });
    assert.equal(parseHookArguments(["i686-linux", "0", "0", "0"]).printBuildTrace, false);
  });

  it("refuses other shapes with Guix's 'invalid arguments'", () => {
    for (const args of [
      [],
      ["x86_64-linux"],
      ["x86_64-linux", "1", "1", "1", "1"],
      ["x86_64-linux", "-1", "1", "1"],
      ["x86_64-linux", "1", "yes", "1"],
      ["x86_64-linux", "1", "1", "1.5"],
      ["X Y", "1", "1", "1"],
    ]) {
      assert.throws(
        () => parseHookArguments(args),
        (error: unknown) => error instanceof HookError && error.code === "invalid-arguments" && error.message.startsWith("invalid arguments:"),
        args.join(" "),
      );
    }
  });
});
