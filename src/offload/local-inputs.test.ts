import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cacheKey, collectInputs, hashFile } from "./local-inputs.ts";

const base = mkdtempSync(join(tmpdir(), "offload-inputs-"));
after(() => rmSync(base, { recursive: true, force: true }));

describe("collectInputs", () => {
  it("walks directories, hashes files, keeps links and executable bits", async () => {
    mkdirSync(join(base, "src", "sub"), { recursive: true });
    writeFileSync(join(base, "src", "a.txt"), "a");
    writeFileSync(join(base, "src", "sub", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    symlinkSync("a.txt", join(base, "src", "link"));
    writeFileSync(join(base, "top.txt"), "top");
    const inputs = await collectInputs(["src", "top.txt"], base);
    assert.deepEqual(inputs.directories, ["src", "src/sub"]);
    assert.deepEqual(inputs.symlinks, [{ remotePath: "src/link", target: "a.txt" }]);
    const files = Object.fromEntries(inputs.files.map((f) => [f.remotePath, f]));
    assert.deepEqual(Object.keys(files).sort(), ["src/a.txt", "src/sub/run.sh", "top.txt"]);
    assert.equal(files["src/a.txt"]!.sha256, createHash("sha256").update("a").digest("hex"));
    assert.equal(files["src/sub/run.sh"]!.executable, true);
    assert.ok(files["src/sub/run.sh"]!.key.endsWith("-x"));
    assert.equal(inputs.totalBytes, 1 + 10 + 3);
  });

  it("refuses missing inputs and colliding destinations", async () => {
    await assert.rejects(collectInputs(["nope"], base), { code: "input-unreadable" });
    mkdirSync(join(base, "other"), { recursive: true });
    writeFileSync(join(base, "other", "top.txt"), "x");
    await assert.rejects(collectInputs(["top.txt", join(base, "other", "top.txt")], base), { code: "invalid-job" });
  });

  it("keeps the directory of a file named inside one, and refuses an input inside a file", async () => {
    mkdirSync(join(base, "in"), { recursive: true });
    writeFileSync(join(base, "in", "x.txt"), "x");
    const inputs = await collectInputs(["in/x.txt"], base);
    assert.deepEqual(
      inputs.files.map((f) => f.remotePath),
      ["in/x.txt"],
    );
    await assert.rejects(collectInputs(["top.txt", "in/x.txt", join(base, "in")], base), { code: "invalid-job" });
    mkdirSync(join(base, "nest"), { recursive: true });
    writeFileSync(join(base, "nest", "in"), "a file where a directory should be");
    await assert.rejects(collectInputs(["in/x.txt", join(base, "nest", "in")], base), (error: Error) => /would land inside "in"/.test(error.message));
  });

  it("hashes files and builds cache keys", async () => {
    assert.equal(await hashFile(join(base, "top.txt")), createHash("sha256").update("top").digest("hex"));
    assert.equal(cacheKey("ab", false), "ab");
    assert.equal(cacheKey("ab", true), "ab-x");
  });
});
