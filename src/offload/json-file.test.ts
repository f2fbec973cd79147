import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { asObject, readJsonFile, removeFile, writeJsonFile } from "./json-file.ts";

const dir = mkdtempSync(join(tmpdir(), "offload-json-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("json files", () => {
  it("writes atomically and reads back", () => {
    const file = join(dir, "a", "b.json");
    writeJsonFile(file, { x: [1, "y"] });
    assert.deepEqual(readJsonFile(file), { x: [1, "y"] });
    assert.deepEqual(readdirSync(join(dir, "a")), ["b.json"]);
    removeFile(file);
    assert.equal(readJsonFile(file), undefined);
  });

  it("recognizes objects", () => {
    assert.deepEqual(asObject({ a: 1 }), { a: 1 });
    assert.equal(asObject([1]), undefined);
    assert.equal(asObject(null), undefined);
  });
});
