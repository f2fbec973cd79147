import assert from "node:assert/strict";
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { narDigest } from "../../../src/store/nar-writer.ts";
import { textPath } from "../../../src/store/store-path.ts";
import { tempDir } from "../temp-dir.ts";
import { canonicalise, scanForReferences } from "./builder.ts";

describe("builder helpers", () => {
  const dir = tempDir("offload-builder-");

  it("canonicalises a tree as the daemon does: 0444/0555 and mtime 1, byte names included", () => {
    const out = join(dir, "out");
    mkdirSync(join(out, "bin"), { recursive: true });
    writeFileSync(join(out, "bin", "x"), "x", { mode: 0o750 });
    writeFileSync(Buffer.from(`${out}/caf\xe9`, "latin1"), "y", { mode: 0o600 });
    symlinkSync("bin/x", join(out, "link"));
    canonicalise(out);
    assert.equal(lstatSync(join(out, "bin", "x")).mode & 0o7777, 0o555);
    assert.equal(lstatSync(Buffer.from(`${out}/caf\xe9`, "latin1")).mode & 0o7777, 0o444);
    assert.equal(lstatSync(join(out, "bin")).mode & 0o7777, 0o555);
    assert.equal(lstatSync(join(out, "link")).mtimeMs, 1000);
    assert.equal(lstatSync(out).mtimeMs, 1000);
  });

  it("finds references by hash part anywhere in the NAR, even across chunks", async () => {
    const store = "/tmp/scan-store";
    const used = textPath("used", "u", [], store);
    const unused = textPath("unused", "n", [], store);
    // Somewhere among these offsets the hash part straddles the writer's 1 MiB chunk boundary.
    for (const shift of [150, 170, 190, 200, 210, 220, 230, 240, 260, 280]) {
      const out = join(dir, `scanned-${shift}`);
      mkdirSync(out);
      writeFileSync(join(out, "a"), Buffer.concat([Buffer.alloc(1024 * 1024 - shift, 0x20), Buffer.from(`${used}/bin/tool`)]));
      const result = await scanForReferences(out, [used, unused], store);
      assert.deepEqual(result.references, [used], `shift ${shift}`);
      assert.deepEqual(result.hash, (await narDigest(out)).hash);
    }
  });
});
