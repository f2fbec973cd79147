import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { batchesAnswered, readFileBatch } from "./file-batch-reader.ts";

describe("reading file batches on the worker", () => {
  const dir = tempDir("offload-file-batch-");

  it("reads regular files up to the limit whole, with their executable bit, in the order given", async () => {
    const limit = 64 * 1024;
    const sizes = [0, 1, 4095, 4096, limit, 300, 8191];
    const paths = sizes.map((size, index) => {
      const path = join(dir, `file-${index}`);
      writeFileSync(path, Buffer.alloc(size, index + 1), { mode: index % 2 === 0 ? 0o644 : 0o755 });
      return Buffer.from(path);
    });
    // Enough bytes to outgrow the worker's first buffer (256 KiB).
    for (let index = 0; index < 80; index++) {
      const path = join(dir, `more-${index}`);
      writeFileSync(path, Buffer.alloc(4096, index));
      paths.push(Buffer.from(path));
    }
    const before = batchesAnswered();
    const batch = await readFileBatch(paths, limit);
    assert.equal(batchesAnswered() - before, 1);
    assert.ok(batch !== null);
    sizes.forEach((size, index) => {
      assert.deepEqual(batch.file(index), { bytes: Buffer.alloc(size, index + 1), executable: index % 2 === 1 }, `file-${index}`);
    });
    for (let index = 0; index < 80; index++) assert.deepEqual(batch.file(sizes.length + index)?.bytes, Buffer.alloc(4096, index));
  });

  it("leaves to the caller what is not a regular file within the limit: larger, missing, a symlink, a directory, a FIFO", async () => {
    const big = join(dir, "big");
    writeFileSync(big, Buffer.alloc(1025));
    const link = join(dir, "link");
    symlinkSync("big", link);
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const small = join(dir, "small");
    writeFileSync(small, "kept");
    // The FIFO has no writer: an open that blocked would never answer.
    const batch = await readFileBatch(
      [big, join(dir, "missing"), link, sub, fifo, small].map((path) => Buffer.from(path)),
      1024,
    );
    assert.ok(batch !== null);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((index) => batch.file(index)),
      [null, null, null, null, null],
    );
    assert.equal(batch.file(5)?.bytes.toString(), "kept");
  });

  it("takes file names as bytes", async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff, 0xfe, 0x0a, 0x41])]);
    writeFileSync(name, "raw name");
    const batch = await readFileBatch([name], 1024);
    assert.equal(batch?.file(0)?.bytes.toString(), "raw name");
  });
});
