import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { narFrom, symlinkEntry } from "../store/nar-bytes.ts";
import { randomTree } from "../store/trees.ts";
import { offloadCommand } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** Runs `offload ARGS` with binary stdin and stdout. */
function offload(args: string[], input?: Buffer): { code: number | null; stdout: Buffer; stderr: string } {
  const [command, ...prefix] = offloadCommand();
  const result = spawnSync(command!, [...prefix, ...args], { input, maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

describe("offload nar", () => {
  const dir = tempDir("offload-nar-cli-");

  it("dump writes what `nix-store --dump` writes", () => {
    const tree = join(dir, "tree");
    randomTree(tree, 3);
    const { code, stdout, stderr } = offload(["nar", "dump", tree]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.equals(execFileSync("nix-store", ["--dump", tree])));
  });

  it("restore recreates the tree `nix-store --restore` would", () => {
    const tree = join(dir, "source");
    randomTree(tree, 4);
    const nar = execFileSync("nix-store", ["--dump", tree]);
    const target = join(dir, "restored");
    const { code, stderr } = offload(["nar", "restore", target], nar);
    assert.equal(code, 0, stderr);
    assert.ok(execFileSync("nix-store", ["--dump", target]).equals(nar));
  });

  it("refuses hostile or broken archives with one error line and leaves nothing behind", () => {
    const parent = join(dir, "hostile");
    execFileSync("mkdir", [parent]);
    const traversal = narFrom("nix-archive-1", "(", "type", "directory", ...symlinkEntry(".."), ")");
    for (const [input, message] of [
      [traversal, /^offload: error: NAR contains invalid file name `\.\.'\n$/],
      [traversal.subarray(0, 50), /^offload: error: bad archive: unexpected end of input\n$/],
      [
        Buffer.concat([narFrom("nix-archive-1", "(", "type", "symlink", "target", "x", ")"), Buffer.from("trailing")]),
        /^offload: error: bad archive: unexpected data after the end of the archive\n$/,
      ],
    ] as const) {
      const { code, stderr } = offload(["nar", "restore", join(parent, "out")], input);
      assert.equal(code, 1);
      assert.match(stderr, message);
      assert.deepEqual(readdirSync(parent), []);
    }
  });

  it("refuses to restore over an existing path, and to dump a missing one", () => {
    const tree = join(dir, "kept");
    randomTree(tree, 5);
    const nar = execFileSync("nix-store", ["--dump", tree]);
    const existing = offload(["nar", "restore", tree], nar);
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /already exists/);
    const missing = offload(["nar", "dump", join(dir, "missing")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^offload: error: getting attributes of path `.*missing'/);
    assert.equal(missing.stdout.length, 0);
  });
});
