import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { writeJsonAtomically } from "./atomic-json.ts";

describe("writeJsonAtomically", () => {
  it("writes the JSON, creating parents with the given modes, and leaves no temporary file", () => {
    const dir = tempDir();
    const file = join(dir, "a", "b", "entry.json");
    writeJsonAtomically(file, { x: [1, "y"] }, { fileMode: 0o600, dirMode: 0o700 });
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { x: [1, "y"] });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "a", "b")).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(join(dir, "a", "b")), ["entry.json"]);
  });

  it("replaces the old content whole", () => {
    const file = join(tempDir(), "state.json");
    writeJsonAtomically(file, { version: 1 });
    writeJsonAtomically(file, { version: 2 });
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { version: 2 });
  });

  it("throws when the directory cannot be written, and leaves nothing behind", { skip: process.getuid?.() === 0 ? "root writes anywhere" : false }, () => {
    const dir = join(tempDir(), "locked");
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    try {
      assert.throws(() => writeJsonAtomically(join(dir, "x.json"), {}), { code: "EACCES" });
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it("throws when the file cannot be created, removing the temporary file", () => {
    const dir = tempDir();
    const file = join(dir, "target");
    mkdirSync(join(file), { recursive: true }); // a directory where the file should go: rename fails
    mkdirSync(join(file, "occupied"));
    assert.throws(() => writeJsonAtomically(file, {}));
    assert.deepEqual(readdirSync(dir), ["target"]);
  });
});
