import assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { randomTree } from "../../test/store/trees.ts";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { ByteReader } from "./byte-reader.ts";
import { SignatureError, StoreError } from "./errors.ts";
import { exportItemChunks, exportStreamChunks } from "./export-format.ts";
import { restoreFileSet } from "./file-set.ts";
import { aclText, generateSigningKeyPair, parseAcl, type SigningKeyPair } from "./keys.ts";
import { narChunks, narDigest } from "./nar-writer.ts";
import { signHash } from "./signature.ts";
import { textPath } from "./store-path.ts";

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("restoring a file set", () => {
  const source = tempDir("offload-file-set-src-");
  const trusted = generateSigningKeyPair();
  const stranger = generateSigningKeyPair();
  const acl = parseAcl(aclText([trusted.publicKey]));

  /** An export of random trees under store paths of `storeDir`, each signed by `keys[i]` (null: unsigned). */
  async function stream(storeDir: string, keys: Array<SigningKeyPair | null>, lie = -1): Promise<{ bytes: Buffer; paths: string[]; trees: string[] }> {
    const paths: string[] = [];
    const trees: string[] = [];
    const items = keys.map((key, i) => {
      const tree = join(source, `t-${Math.random().toString(16).slice(2)}`);
      randomTree(tree, 1000 + i);
      const path = textPath(`item-${i}`, tree, [], storeDir);
      paths.push(path);
      trees.push(tree);
      return exportItemChunks(
        narChunks(tree),
        { path, references: paths.slice(0, i), deriver: "" },
        key === null ? undefined : (hash) => signHash(i === lie ? Buffer.alloc(32) : hash, key.secretKey),
      );
    });
    return { bytes: await collect(exportStreamChunks(items)), paths, trees };
  }

  it("restores signed items byte for byte under their store paths", async () => {
    const storeDir = join(tempDir("offload-file-set-"), "store");
    mkdirSync(storeDir);
    const { bytes, paths, trees } = await stream(storeDir, [trusted, trusted, trusted]);
    const seen: string[] = [];
    const items = await restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir, acl, onItem: (item) => seen.push(item.path) });
    assert.deepEqual(
      items.map((item) => item.path),
      paths,
    );
    assert.deepEqual(seen, paths);
    for (const [i, item] of items.entries()) {
      assert.deepEqual(item.narHash, (await narDigest(trees[i]!)).hash);
      assert.deepEqual(item.references, paths.slice(0, i));
      assert.deepEqual((await narDigest(item.path)).hash, item.narHash);
    }
  });

  it("refuses unsigned items, unknown keys and wrong hashes, leaving nothing of the refused item", async () => {
    for (const [keys, lie, failure] of [
      [[trusted, null], -1, "unsigned"],
      [[trusted, stranger], -1, "unauthorized-key"],
      [[trusted, trusted], 1, "hash-mismatch"],
    ] as const) {
      const storeDir = join(tempDir("offload-file-set-"), "store");
      mkdirSync(storeDir);
      const { bytes, paths } = await stream(storeDir, [...keys], lie);
      await assert.rejects(
        restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir, acl }),
        (error: unknown) => error instanceof SignatureError && error.failure === failure,
      );
      assert.deepEqual(readdirSync(storeDir), [paths[0]!.slice(storeDir.length + 1)], "only the first, accepted item");
    }
  });

  it("leaves nothing when the stream is cut anywhere in an item", async () => {
    const storeDir = join(tempDir("offload-file-set-"), "store");
    mkdirSync(storeDir);
    const { bytes } = await stream(storeDir, [trusted]);
    for (let cut = 8; cut < bytes.length - 8; cut += Math.max(1, Math.floor(bytes.length / 97))) {
      const reader = new ByteReader(Readable.from([bytes.subarray(0, cut)]), () => new StoreError("export-format", "truncated"));
      await assert.rejects(restoreFileSet(reader, { storeDir, acl }), StoreError, `cut ${cut}`);
      assert.deepEqual(readdirSync(storeDir), [], `cut ${cut}`);
    }
  });

  it("refuses to overwrite unless asked, and restores to another place when told", async () => {
    const storeDir = join(tempDir("offload-file-set-"), "store");
    const elsewhere = join(tempDir("offload-file-set-"), "real");
    mkdirSync(elsewhere);
    const { bytes, paths } = await stream(storeDir, [trusted]);
    const destination = (path: string): string => join(elsewhere, path.slice(storeDir.length + 1));
    await restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir, acl, destination, stagingDir: elsewhere });
    await assert.rejects(
      restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir, acl, destination, stagingDir: elsewhere }),
      /already exists/,
    );
    await restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir, acl, destination, stagingDir: elsewhere, replaceExisting: true });
    assert.deepEqual(readdirSync(elsewhere), [paths[0]!.slice(storeDir.length + 1)]);
  });
});
