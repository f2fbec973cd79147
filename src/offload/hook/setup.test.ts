import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/helpers/temp-dir.ts";
import { HookError } from "./errors.ts";
import { loadMachinesFile } from "./setup.ts";

describe("the hook's machines file", () => {
  it("is no machines when missing, as for Guix", async () => {
    const dir = tempDir();
    assert.deepEqual((await loadMachinesFile(join(dir, "machines.scm"), dir, {})).machines, []);
  });

  it("fails with the located message when it does not load", async () => {
    const dir = tempDir();
    const file = join(dir, "machines.scm");
    writeFileSync(file, '(list (build-machine\n  (name "x")))\n');
    await assert.rejects(
      loadMachinesFile(file, dir, {}),
      (error: unknown) =>
        error instanceof HookError &&
        error.code === "machines-file" &&
        error.message.startsWith(`${file}:1:`) &&
        error.message.endsWith(": missing field initializers (user host-key)"),
    );
  });
});
