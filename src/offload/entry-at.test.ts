import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { entryAt } from "./entry-at.ts";

describe("entryAt", () => {
  it("gives what is at a path, a symbolic link itself (even dangling), or null for nothing", () => {
    const dir = tempDir("offload-entry-");
    writeFileSync(join(dir, "file"), "x");
    symlinkSync(join(dir, "missing"), join(dir, "dangling"));
    assert.equal(entryAt(join(dir, "file"))?.isFile(), true);
    assert.equal(entryAt(dir)?.isDirectory(), true);
    assert.equal(entryAt(join(dir, "dangling"))?.isSymbolicLink(), true);
    assert.equal(entryAt(join(dir, "missing")), null);
    assert.equal(entryAt(join(dir, "file", "below-a-file")), null);
  });
});
