import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { StoreError } from "./errors.ts";
import { narDigest } from "./nar-writer.ts";
import {
  assertStorePath,
  checkStoreName,
  compareBytes,
  fixedOutputPath,
  foldHash,
  hashPart,
  makeStorePath,
  sha256,
  isStorePath,
  sortedUnique,
  storePathName,
  textPath,
} from "./store-path.ts";

/** Nix computes store paths with the same formula; ask it, for any store directory, without a store. */
function nix(storeDir: string, args: string[]): string {
  return execFileSync(args[0]!, [...args.slice(1), "--store", `dummy://?store=${storeDir}`], {
    encoding: "utf8",
    env: { ...process.env, NIX_CONFIG: "experimental-features = nix-command" },
  }).trim();
}

describe("store paths", () => {
  const storeDirs = ["/gnu/store", "/tmp/offload test/store"];

  it("text paths (AddTextToStore) match Nix's builtins.toFile", () => {
    for (const storeDir of storeDirs) {
      for (const [name, content] of [
        ["hello", "Hello, world!\n"],
        ["empty", ""],
        ["x.drv", "Derive([])"],
      ] as const) {
        const expected = JSON.parse(nix(storeDir, ["nix-instantiate", "--eval", "-E", `builtins.toFile ${JSON.stringify(name)} ${JSON.stringify(content)}`]));
        assert.equal(textPath(name, content, [], storeDir), expected);
      }
    }
  });

  it("text paths with references put the sorted references in the type", () => {
    const a = textPath("a", "A");
    const b = textPath("b", "B");
    assert.equal(textPath("c", "C", [b, a]), textPath("c", "C", [a, b]));
    assert.notEqual(textPath("c", "C", [a]), textPath("c", "C"));
  });

  it("recursive SHA-256 paths (AddToStore) match `nix store add-path --dry-run`", async () => {
    const dir = tempDir("offload-store-path-");
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "sub"), { recursive: true });
    writeFileSync(join(tree, "sub", "file"), "contents");
    for (const storeDir of storeDirs) {
      const expected = nix(storeDir, ["nix", "store", "add-path", "--dry-run", tree]);
      const { hash } = await narDigest(tree);
      assert.equal(fixedOutputPath(true, "sha256", hash, "tree", storeDir), expected);
    }
  });

  it("makeStorePath with type source is the path `nix store add-path` gives a recursively added file", async () => {
    const file = join(tempDir("offload-store-path-"), "hello");
    writeFileSync(file, "hi\n");
    const { hash } = await narDigest(file);
    for (const storeDir of storeDirs)
      assert.equal(makeStorePath("source", hash, "hello", storeDir), nix(storeDir, ["nix", "store", "add-path", "--dry-run", file]));
  });

  it("foldHash XORs the hash's bytes into the requested size (the daemon's compressHash)", () => {
    const hash = sha256("x");
    const folded = foldHash(hash, 20);
    assert.equal(folded.length, 20);
    assert.equal(folded[0], hash[0]! ^ hash[20]!);
    assert.equal(folded[12], hash[12]!);
  });

  it("refuses names the daemon refuses", () => {
    checkStoreName("hello-2.12+x_y?=.z");
    assert.throws(() => checkStoreName(".hidden"), /invalid name: `.hidden'/);
    assert.throws(() => checkStoreName("a b"), /invalid character ` ' in name `a b'/);
    assert.throws(
      () => checkStoreName("é"),
      (error: unknown) => error instanceof StoreError && error.code === "store-path",
    );
    assert.throws(() => textPath("bad/name", ""), /invalid character `\/'/);
  });

  it("tells store paths from other paths, for any store directory", () => {
    const path = textPath("hello", "x", [], "/s");
    assert.ok(isStorePath(path, "/s"));
    assert.ok(!isStorePath(path, "/gnu/store"));
    assert.ok(!isStorePath(`${path}/bin`, "/s"));
    assert.ok(!isStorePath("/s/", "/s"));
    assert.ok(!isStorePath("/sx/abc", "/s"));
    assert.throws(() => assertStorePath("/etc/passwd"), /path `\/etc\/passwd' is not in the store/);
    assert.equal(hashPart(path, "/s").length, 32);
    assert.equal(storePathName(path, "/s"), "hello");
  });

  it("sorts as the daemon's std::set does: by bytes", () => {
    assert.deepEqual(sortedUnique(["b", "é", "a", "b", "Z"]), ["Z", "a", "b", "é"]);
    assert.ok(compareBytes("\u{10000}", "\uffff") > 0, "UTF-8 order, not UTF-16 order");
  });
});
