import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { fromNixBase32, nixBase32Length, toNixBase32 } from "./base32.ts";

describe("Nix base-32", () => {
  it("gives Nix's own text for SHA-256 hashes (nix-hash --type sha256 --base32)", () => {
    const dir = tempDir("offload-base32-");
    for (const content of ["", "hello", "x".repeat(1000)]) {
      const file = join(dir, "f");
      writeFileSync(file, content);
      const expected = execFileSync("nix-hash", ["--type", "sha256", "--flat", "--base32", file], { encoding: "utf8" }).trim();
      assert.equal(toNixBase32(createHash("sha256").update(content).digest()), expected);
    }
  });

  it("round-trips any bytes, for store path (20 bytes) and hash (32 bytes) lengths", () => {
    assert.equal(nixBase32Length(20), 32);
    assert.equal(nixBase32Length(32), 52);
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(i % 2 === 0 ? 20 : 32);
      const text = toNixBase32(bytes);
      assert.match(text, /^[0-9abcdfghijklmnpqrsvwxyz]+$/);
      assert.deepEqual(fromNixBase32(text, bytes.length), bytes);
    }
  });

  it("refuses wrong lengths, letters outside the alphabet and excess bits", () => {
    assert.throws(() => fromNixBase32("abc", 20), /expected 32/);
    assert.throws(() => fromNixBase32("e".repeat(32), 20), /invalid base-32/);
    assert.throws(() => fromNixBase32("z" + "0".repeat(51), 32), /too many bits/);
  });
});
