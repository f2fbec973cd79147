/**
 * Our store layer against a real guix-daemon (skipped, with one line, when
 * OFFLOAD_TEST_GUIX_DAEMON and OFFLOAD_TEST_GUIX are unset or not root).
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { ByteReader } from "../../src/store/byte-reader.ts";
import type { StoreConnection } from "../../src/store/connection.ts";
import { DaemonError, SignatureError } from "../../src/store/errors.ts";
import { ExportReader, exportItemChunks, exportStreamChunks } from "../../src/store/export-format.ts";
import { restoreFileSet } from "../../src/store/file-set.ts";
import { aclText, generateSigningKeyPair, parseAcl } from "../../src/store/keys.ts";
import { narChunks, narDigest } from "../../src/store/nar-writer.ts";
import { restoreNar } from "../../src/store/nar-restorer.ts";
import { checkSignature, signHash } from "../../src/store/signature.ts";
import { textPath } from "../../src/store/store-path.ts";
import { randomTree } from "../store/trees.ts";
import { GuixDaemon, guixDaemonSkipReason } from "./guix-daemon.ts";
import { tempDir } from "./temp-dir.ts";

async function bytesOf(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function exported(store: StoreConnection, paths: string[], sign: boolean): Promise<Buffer> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => parts.push(chunk));
  await store.exportPaths(paths, sink, { sign });
  return Buffer.concat(parts);
}

describe("a real guix-daemon", { skip: guixDaemonSkipReason() }, () => {
  const client = generateSigningKeyPair();
  const stranger = generateSigningKeyPair();
  let daemon: GuixDaemon;
  let store: StoreConnection;
  const dir = tempDir("offload-real-daemon-");
  before(async () => {
    daemon = await GuixDaemon.start({ authorizedKeys: [client.publicKey] });
    store = await daemon.connect();
  });
  after(async () => {
    store?.close();
    await daemon?.stop();
  });

  it("shakes hands at protocol 0x164 and answers QueryPathInfo", async () => {
    assert.equal(store.daemonVersion, 0x164);
    const path = await store.addTextToStore("hello", "Hello, world!\n");
    assert.equal(path, textPath("hello", "Hello, world!\n"));
    const info = await store.queryPathInfo(path);
    assert.deepEqual(info.references, []);
    assert.equal(info.deriver, null);
    assert.ok(Math.abs(info.registrationTime - Date.now() / 1000) < 600);
    assert.deepEqual(info.narHash, (await narDigest(daemon.physical(path))).hash);
  });

  it("records for a tree the NAR hash and size our writer computes (byte names, symlinks, executables, deep nesting)", async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const tree = join(dir, `tree-${seed}`);
      randomTree(tree, seed, { deepChain: seed === 1 ? 40 : 0 });
      const path = await store.addToStore("tree", tree);
      const ours = await narDigest(tree);
      const info = await store.queryPathInfo(path);
      assert.deepEqual(info.narHash, ours.hash, `seed ${seed}`);
      assert.equal(info.narSize, ours.size, `seed ${seed}`);
    }
  });

  it("exports signed items that our checker accepts and that restore byte for byte", async () => {
    const tree = join(dir, "exported");
    randomTree(tree, 77, { maxFileSize: 150_000 });
    const path = await store.addToStore("exported", tree);
    const referrer = await store.addTextToStore("referrer", `see ${path}`, [path]);
    const bytes = await exported(store, [path, referrer], true);
    const acl = parseAcl(aclText([daemon.signingKey.publicKey]));
    const otherAcl = parseAcl(aclText([client.publicKey]));
    const reader = new ExportReader(ByteReader.fromBuffer(bytes, "export-format"));
    for (const expected of [path, referrer]) {
      const target = join(dir, `restored-${expected.slice(-8)}`);
      const item = await reader.next((r) => restoreNar(r, target));
      assert.equal(item?.path, expected);
      checkSignature(item!.signature!, item!.hash, acl);
      assert.throws(
        () => checkSignature(item!.signature!, item!.hash, otherAcl),
        (error: unknown) => error instanceof SignatureError && error.failure === "unauthorized-key",
      );
      // The daemon's signature is what ours would be: same key, same hash, deterministic ECDSA.
      assert.equal(item!.signature, signHash(item!.hash, daemon.signingKey.secretKey, daemon.signingKey.publicKey));
      assert.ok((await bytesOf(narChunks(target))).equals(await bytesOf(narChunks(daemon.physical(expected)))));
    }
    assert.equal(await reader.next(() => Promise.resolve()), null);
    // The same stream through restoreFileSet (what guix offload does with build results).
    const local = join(dir, "local-store");
    mkdirSync(local);
    const destination = (p: string): string => join(local, p.slice(daemon.storeDir.length + 1));
    const items = await restoreFileSet(ByteReader.fromBuffer(bytes, "export-format"), { storeDir: daemon.storeDir, acl, destination, stagingDir: local });
    assert.deepEqual(
      items.map((item) => item.path),
      [path, referrer],
    );
    for (const item of items) assert.deepEqual(item.narHash, (await store.queryPathInfo(item.path)).narHash);
  });

  it("imports an export we sign, and refuses unsigned ones and keys missing from its ACL", async () => {
    const content = `made by us ${Date.now()}\n`;
    const tree = join(dir, "ours");
    randomTree(tree, 5);
    const path = textPath("ours", content);
    const make = (key: typeof client | null): Promise<Buffer> =>
      bytesOf(
        exportStreamChunks([
          exportItemChunks(narChunks(tree), { path, references: [], deriver: "" }, key === null ? undefined : (hash) => signHash(hash, key.secretKey)),
        ]),
      );
    await assert.rejects(
      store.importPaths(Readable.from([await make(null)])),
      (error: unknown) => error instanceof DaemonError && error.daemonMessage === `imported archive of \`${path}' lacks a signature`,
    );
    const foreign = await make(stranger);
    await assert.rejects(
      store.importPaths(Readable.from([foreign])),
      (error: unknown) => error instanceof DaemonError && error.daemonMessage.startsWith("unauthorized public key: (public-key"),
    );
    assert.equal(await store.isValidPath(path), false);
    assert.deepEqual(await store.importPaths(Readable.from([await make(client)])), [path]);
    assert.deepEqual((await store.queryPathInfo(path)).narHash, (await narDigest(tree)).hash);
  });

  it("refuses, like our checker, an export signed by a key missing from the ACL", async () => {
    const other = await GuixDaemon.start({ authorizedKeys: [] });
    try {
      const path = await store.addTextToStore("to-b", "b");
      const bytes = await exported(store, [path], true);
      const remote = await other.connect();
      await assert.rejects(
        remote.importPaths(Readable.from([bytes])),
        (error: unknown) => error instanceof DaemonError && error.status === 1 && /^unauthorized public key: /.test(error.daemonMessage),
      );
      const emptyAcl = parseAcl(readFileSync(join(other.configDir, "acl")));
      const item = await new ExportReader(ByteReader.fromBuffer(bytes, "export-format")).next((r) => restoreNar(r, join(dir, "to-b")));
      let ours: unknown;
      try {
        checkSignature(item!.signature!, item!.hash, emptyAcl);
      } catch (error) {
        ours = error;
      }
      assert.ok(ours instanceof SignatureError && ours.failure === "unauthorized-key");
      other.setAuthorizedKeys([daemon.signingKey.publicKey]);
      const again = await other.connect();
      assert.deepEqual(await again.importPaths(Readable.from([bytes])), [path]);
      remote.close();
      again.close();
    } finally {
      await other.stop();
    }
  });
});
