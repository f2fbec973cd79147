import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createStagingDir, installOutputs } from "./output-install.ts";

const base = mkdtempSync(join(tmpdir(), "offload-install-"));
after(() => rmSync(base, { recursive: true, force: true }));

describe("installOutputs", () => {
  it("moves files and directories into place, replacing old ones, and removes the staging directory", () => {
    const destination = join(base, "dest");
    mkdirSync(join(destination, "tree"), { recursive: true });
    writeFileSync(join(destination, "tree", "old.txt"), "old");
    writeFileSync(join(destination, "file.txt"), "old");
    const staging = createStagingDir(destination, "job1");
    mkdirSync(join(staging, "tree"));
    writeFileSync(join(staging, "tree", "new.txt"), "new");
    writeFileSync(join(staging, "file.txt"), "new");
    mkdirSync(join(staging, "deep", "er"), { recursive: true });
    writeFileSync(join(staging, "deep", "er", "x"), "x");
    installOutputs(staging, destination, ["tree", "file.txt", "deep/er/x"]);
    assert.deepEqual(readdirSync(join(destination, "tree")), ["new.txt"]);
    assert.equal(readFileSync(join(destination, "file.txt"), "utf8"), "new");
    assert.equal(readFileSync(join(destination, "deep", "er", "x"), "utf8"), "x");
    assert.equal(existsSync(staging), false);
    assert.deepEqual(readdirSync(destination).sort(), ["deep", "file.txt", "tree"]);
  });
});
