import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { fileNar, narFrom } from "../../test/store/nar-bytes.ts";
import { randomTree } from "../../test/store/trees.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { EXPORT_MAGIC, ExportReader, discardNar, exportItemChunks, exportStreamChunks, exportTrailer, type ExportMetadata } from "./export-format.ts";
import { generateSigningKeyPair, aclText, parseAcl } from "./keys.ts";
import { narChunks } from "./nar-writer.ts";
import { restoreNar } from "./nar-restorer.ts";
import { checkSignature, signHash } from "./signature.ts";
import { WireWriter, encodeInt } from "./wire.ts";

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

const store = "/gnu/store";
const meta = (name: string, references: string[] = [], deriver = ""): ExportMetadata => ({ path: `${store}/${"a".repeat(32)}-${name}`, references, deriver });

describe("export format", () => {
  const key = generateSigningKeyPair();
  const acl = parseAcl(aclText([key.publicKey]));
  const sign = (hash: Buffer): string => signHash(hash, key.secretKey);

  it("lays out an item as the daemon's exportPath: NAR, magic, path, references, deriver, flag, signature", async () => {
    const item = meta("x", [`${store}/${"b".repeat(32)}-y`], `${store}/${"c".repeat(32)}-x.drv`);
    const nar = fileNar("hello");
    const bytes = await collect(exportItemChunks(once(nar), item, sign));
    const trailer = new WireWriter().int(EXPORT_MAGIC).string(item.path).strings(item.references).string(item.deriver).toBuffer();
    assert.deepEqual(bytes.subarray(0, nar.length + trailer.length), Buffer.concat([nar, trailer]));
    assert.deepEqual(exportTrailer(item), trailer);
    const hash = createHash("sha256")
      .update(Buffer.concat([nar, trailer]))
      .digest();
    assert.deepEqual(
      bytes.subarray(nar.length + trailer.length),
      new WireWriter()
        .int(1)
        .string(Buffer.from(sign(hash), "latin1"))
        .toBuffer(),
    );
    const unsigned = await collect(exportItemChunks(once(nar), item));
    assert.deepEqual(unsigned, Buffer.concat([nar, trailer, encodeInt(0)]));
  });

  it("parse → produce is the identity on random streams, and signatures verify", async () => {
    const dir = tempDir("offload-export-");
    for (let seed = 1; seed <= 8; seed++) {
      const items: Array<{ tree: string; meta: ExportMetadata; signed: boolean }> = [];
      for (let i = 0; i < 1 + (seed % 3); i++) {
        const tree = join(dir, `t-${seed}-${i}`);
        randomTree(tree, seed * 10 + i);
        items.push({ tree, meta: meta(`item-${i}`, i > 0 ? [items[i - 1]!.meta.path] : []), signed: (seed + i) % 2 === 0 });
      }
      const stream = await collect(exportStreamChunks(items.map((item) => exportItemChunks(narChunks(item.tree), item.meta, item.signed ? sign : undefined))));
      const reader = new ExportReader(ByteReader.fromBuffer(stream, "export-format"));
      const again: Array<AsyncIterable<Buffer>> = [];
      for (let i = 0; ; i++) {
        const restored = join(dir, `r-${seed}-${i}`);
        const item = await reader.next((r) => restoreNar(r, restored));
        if (item === null) break;
        assert.deepEqual({ path: item.path, references: item.references, deriver: item.deriver }, items[i]!.meta);
        assert.equal(item.signature !== null, items[i]!.signed);
        if (item.signature !== null) checkSignature(item.signature, item.hash, acl);
        again.push(exportItemChunks(narChunks(restored), item, item.signature === null ? undefined : () => item.signature!));
      }
      assert.equal(again.length, items.length);
      assert.ok((await collect(exportStreamChunks(again))).equals(stream), `seed ${seed}`);
    }
  });

  it("refuses bad marks, wrong magic and paths outside the store", async () => {
    const good = await collect(exportStreamChunks([exportItemChunks(once(fileNar("x")), meta("x"))]));
    const read = async (bytes: Buffer, storeDir = store): Promise<unknown> => {
      const reader = new ExportReader(ByteReader.fromBuffer(bytes, "export-format"), storeDir);
      while ((await reader.next(discardNar)) !== null);
      return undefined;
    };
    await read(good);
    const badMark = Buffer.from(good);
    badMark[0] = 2;
    await assert.rejects(read(badMark), /doesn't look like something created by `nix-store --export'/);
    const nar = fileNar("x");
    const badMagic = Buffer.from(good);
    badMagic.writeUInt32LE(0x12345678, 8 + nar.length);
    await assert.rejects(read(badMagic), /wrong format/);
    await assert.rejects(read(good, "/other/store"), (error: unknown) => error instanceof StoreError && error.code === "store-path");
  });

  it("fails cleanly when truncated anywhere; nothing is restored before the NAR is whole", async () => {
    const nar = narFrom("nix-archive-1", "(", "type", "symlink", "target", "t", ")");
    const sample = await collect(exportStreamChunks([exportItemChunks(once(nar), meta("x"), sign)]));
    const base = tempDir("offload-export-cut-");
    for (let cut = 0; cut < sample.length; cut++) {
      const dir = join(base, String(cut));
      mkdirSync(dir);
      const reader = new ExportReader(new ByteReader(Readable.from([sample.subarray(0, cut)]), () => new StoreError("export-format", "truncated")));
      await assert.rejects(
        (async () => {
          while ((await reader.next((r) => restoreNar(r, join(dir, "out")))) !== null);
        })(),
        StoreError,
        `cut ${cut}`,
      );
      const left = readdirSync(dir);
      assert.deepEqual(left, cut < 8 + nar.length ? [] : ["out"], `cut ${cut}`);
    }
  });
});
