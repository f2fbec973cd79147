import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { describe, it } from "node:test";
import { randomTree } from "../../test/store/trees.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { StoreError } from "./errors.ts";
import { batchesAnswered } from "./file-batch-reader.ts";
import { narChunks, narDigest, writeNar, type NarOptions } from "./nar-writer.ts";

async function dump(path: string | Buffer, options: NarOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of narChunks(path, options)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("NAR writer", () => {
  const dir = tempDir("offload-nar-writer-");

  it("writes what `nix-store --dump` writes, on random trees with byte names", async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const tree = join(dir, `tree-${seed}`);
      randomTree(tree, seed, { deepChain: seed === 1 ? 80 : 0 });
      const expected = execFileSync("nix-store", ["--dump", tree], { maxBuffer: 1 << 30 });
      assert.ok((await dump(tree)).equals(expected), `seed ${seed}`);
    }
  });

  it("writes the same when the worker reads the regular files, whatever a directory's size", async () => {
    const before = batchesAnswered();
    for (let seed = 1; seed <= 25; seed++) {
      const tree = join(dir, `tree-${seed}`);
      assert.ok((await dump(tree, { batchFrom: 0 })).equals(execFileSync("nix-store", ["--dump", tree], { maxBuffer: 1 << 30 })), `seed ${seed}`);
    }
    // Several batches in one directory, files on both sides of what the worker reads (64 KiB), empty and executable ones, deeper levels.
    const wide = join(dir, "wide");
    mkdirSync(join(wide, "nested", "deeper"), { recursive: true });
    const sizes = [0, 1, 65535, 65536, 65537, 200_000];
    for (let index = 0; index < 300; index++) {
      const where = index % 3 === 0 ? wide : index % 3 === 1 ? join(wide, "nested") : join(wide, "nested", "deeper");
      writeFileSync(join(where, `f${index}`), Buffer.alloc(sizes[index % sizes.length]!, index), { mode: index % 4 === 0 ? 0o755 : 0o644 });
    }
    symlinkSync("f0", join(wide, "nested", "link"));
    assert.ok((await dump(wide, { batchFrom: 0 })).equals(execFileSync("nix-store", ["--dump", wide], { maxBuffer: 1 << 30 })));
    assert.ok(batchesAnswered() - before >= 25, "the worker read the files");
    const unbatched = batchesAnswered();
    assert.ok((await dump(wide, { batchFrom: Infinity })).equals(await dump(wide)));
    assert.equal(batchesAnswered() - unbatched, 2, "one default dump of 300 files batched them; the other read them here");
  });

  it("dumps single files and symlinks, executable bit included", async () => {
    const file = join(dir, "file");
    writeFileSync(file, "#!/bin/sh\n");
    for (const mode of [0o644, 0o755, 0o100, 0o400]) {
      chmodSync(file, mode);
      assert.ok((await dump(file)).equals(execFileSync("nix-store", ["--dump", file])), `mode ${mode.toString(8)}`);
    }
    const link = join(dir, "link");
    symlinkSync("file", link);
    assert.ok((await dump(link)).equals(execFileSync("nix-store", ["--dump", link])));
  });

  it("streams large files in bounded chunks", async () => {
    const big = join(dir, "big");
    writeFileSync(big, Buffer.alloc(5 * 1024 * 1024, 0xab));
    let largest = 0;
    for await (const chunk of narChunks(big)) largest = Math.max(largest, chunk.length);
    assert.ok(largest <= 1024 * 1024, `largest chunk ${largest}`);
  });

  it("computes the NAR hash and size `nix hash path` computes", async () => {
    const tree = join(dir, "hashed");
    randomTree(tree, 99);
    const nar = execFileSync("nix-store", ["--dump", tree]);
    const { hash, size } = await narDigest(tree);
    assert.equal(size, nar.length);
    assert.deepEqual(hash, createHash("sha256").update(nar).digest());
    const sri = execFileSync("nix", ["hash", "path", tree], {
      encoding: "utf8",
      env: { ...process.env, NIX_CONFIG: "experimental-features = nix-command" },
    }).trim();
    assert.equal(`sha256-${hash.toString("base64")}`, sri);
  });

  it("writes to a stream with backpressure and reports the digest", async () => {
    const tree = join(dir, "streamed");
    randomTree(tree, 5, { maxFileSize: 200_000 });
    const parts: Buffer[] = [];
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        writes++;
        parts.push(chunk);
        setImmediate(callback);
      },
    });
    const digest = await writeNar(tree, slow);
    const all = Buffer.concat(parts);
    assert.equal(digest.size, all.length);
    assert.deepEqual(digest.hash, createHash("sha256").update(all).digest());
    assert.ok(writes > 0);
    assert.ok(all.equals(execFileSync("nix-store", ["--dump", tree])));
  });

  it("fails cleanly on unsupported files, missing paths and a closed output", async () => {
    const fifo = join(dir, "fifo-dir");
    mkdirSync(fifo);
    execFileSync("mkfifo", [join(fifo, "pipe")]);
    await assert.rejects(dump(fifo), (error: unknown) => error instanceof StoreError && /has an unsupported type/.test(error.message));
    await assert.rejects(dump(fifo, { batchFrom: 0 }), (error: unknown) => error instanceof StoreError && /has an unsupported type/.test(error.message));
    await assert.rejects(dump(join(dir, "missing")), (error: unknown) => error instanceof StoreError && error.code === "file-system");
    const closed = new PassThrough();
    closed.destroy();
    await assert.rejects(writeNar(join(dir, "tree-2"), closed), /closed/);
  });
});
