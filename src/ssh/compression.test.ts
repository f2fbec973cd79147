import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compressionAlgorithms } from "./compression.ts";

describe("compressionAlgorithms", () => {
  it("keeps Guix's default order and falls back to none", () => {
    assert.deepEqual(compressionAlgorithms("zlib@openssh.com,zlib"), ["zlib@openssh.com", "zlib", "none"]);
  });
  it("turns compression off for none and no", () => {
    assert.deepEqual(compressionAlgorithms("none"), ["none"]);
    assert.deepEqual(compressionAlgorithms("no"), ["none"]);
    assert.deepEqual(compressionAlgorithms(""), ["none"]);
  });
  it("accepts yes, spaces and case, and drops unknown names", () => {
    assert.deepEqual(compressionAlgorithms("YES"), ["zlib@openssh.com", "zlib", "none"]);
    assert.deepEqual(compressionAlgorithms(" zlib , lz4 "), ["zlib", "none"]);
  });
});
