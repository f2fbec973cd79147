import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashFileOffThread, IncrementalFileHash } from "./hash-worker.ts";

const dir = mkdtempSync(join(tmpdir(), "offload-hash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("hashing on the worker thread", () => {
  it("hashes a whole file", async () => {
    const file = join(dir, "whole");
    const data = Buffer.alloc(5_000_000, 3);
    writeFileSync(file, data);
    assert.equal(await hashFileOffThread(file), createHash("sha256").update(data).digest("hex"));
  });

  it("hashes a file as it grows", async () => {
    const file = join(dir, "growing");
    const hash = createHash("sha256");
    writeFileSync(file, "");
    const incremental = new IncrementalFileHash(file);
    let length = 0;
    for (let i = 0; i < 5; i++) {
      const chunk = Buffer.alloc(3_000_000, i);
      appendFileSync(file, chunk);
      hash.update(chunk);
      length += chunk.length;
      incremental.advance(length);
    }
    assert.equal(await incremental.digest(length), hash.digest("hex"));
  });

  it("reports a file that is shorter than promised", async () => {
    const file = join(dir, "short");
    writeFileSync(file, "abc");
    await assert.rejects(new IncrementalFileHash(file).digest(10), /shorter/);
    await assert.rejects(hashFileOffThread(join(dir, "missing")), /ENOENT/);
  });
});
