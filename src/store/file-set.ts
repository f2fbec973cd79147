/**
 * Restoring an export stream straight into a store directory, checking each
 * item's signature first: what Guix's `restore-file-set` (guix/nar.scm) does
 * for `guix offload` when it retrieves build results. Each item's NAR is
 * restored under a temporary name in the staging directory; only once its
 * metadata is read and its signature checked against the ACL is it renamed
 * to its store path. A refused or broken item leaves nothing behind (items
 * accepted before it stay, as with Guix).
 *
 * Registering the restored items in a daemon's database is the caller's
 * business (guix-daemon registers valid unregistered outputs of a hook's
 * build itself).
 *
 * @example
 * import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { basename, join } from "node:path";
 * import { ByteReader } from "./byte-reader.ts";
 * import { exportItemChunks, exportStreamChunks } from "./export-format.ts";
 * import { aclText, generateSigningKeyPair, parseAcl } from "./keys.ts";
 * import { signHash } from "./signature.ts";
 * import { encodeString } from "./wire.ts";
 * // a build machine signs the item with its key; this machine's ACL has that key
 * const pair = generateSigningKeyPair();
 * const nar = Buffer.concat(["nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")"].map((token) => encodeString(token)));
 * const metadata = { path: "/gnu/store/00000000000000000000000000000000-hello", references: [], deriver: "" };
 * const chunks: Buffer[] = [];
 * const item = exportItemChunks((async function* () { yield nar; })(), metadata, (hash) => signHash(hash, pair.secretKey));
 * for await (const chunk of exportStreamChunks([item])) chunks.push(chunk);
 * // restored into a scratch directory standing for /gnu/store
 * const store = mkdtempSync(join(tmpdir(), "offload-store-"));
 * const options = { acl: parseAcl(aclText([pair.publicKey])), destination: (path: string) => join(store, basename(path)), stagingDir: store };
 * const restored = await restoreFileSet(ByteReader.fromBuffer(Buffer.concat(chunks), "export-format"), options);
 * const files = readdirSync(store);
 * const contents = readFileSync(join(store, files[0]!), "utf8");
 * rmSync(store, { recursive: true });
 * restored.map((item) => [item.path, item.narSize]); // [["/gnu/store/00000000000000000000000000000000-hello", 120]]
 * [files, contents]; // [["00000000000000000000000000000000-hello"], "hi\n"]
 */
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { ExportReader, type ExportMetadata } from "./export-format.ts";
import type { Acl } from "./keys.ts";
import { removeTree, restoreNar, temporarySibling } from "./nar-restorer.ts";
import type { NarDigest } from "./nar-writer.ts";
import { checkSignature, unsignedError } from "./signature.ts";
import { DEFAULT_STORE_DIR } from "./store-path.ts";

/** Options for {@link restoreFileSet}. */
export interface FileSetOptions {
  /** The store directory of the paths in the stream (default /gnu/store). */
  storeDir?: string;
  /** Keys whose signatures are accepted. */
  acl: Acl;
  /** Where a store path's files go (default: the path itself). */
  destination?: (path: string) => string;
  /** Where NARs are restored before they are checked (default: the store directory); must be on the destination's file system. */
  stagingDir?: string;
  /** Replace a file already at the destination (Guix does: an unregistered file is invalid anyway). Default false: refuse. */
  replaceExisting?: boolean;
  /** Called for each item accepted, before the next is read. */
  onItem?: (item: RestoredItem) => void;
}

/** An item restored from the stream. */
export interface RestoredItem extends ExportMetadata {
  /** SHA-256 of its NAR, as the daemon records it. */
  narHash: Buffer;
  /** Size of its NAR. */
  narSize: number;
}

/**
 * Restores every item of an export stream read from `reader`, in order;
 * resolves to the items restored. Throws SignatureError for an unsigned or
 * refused item, StoreError for a malformed stream, with that item's files
 * removed.
 *
 * @example
 * import { mkdtempSync, readdirSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { basename, join } from "node:path";
 * import { ByteReader } from "./byte-reader.ts";
 * import { exportItemChunks, exportStreamChunks } from "./export-format.ts";
 * import { parseAcl } from "./keys.ts";
 * import { encodeString } from "./wire.ts";
 * // an unsigned item is refused, and nothing of it stays
 * const nar = Buffer.concat(["nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")"].map((token) => encodeString(token)));
 * const metadata = { path: "/gnu/store/00000000000000000000000000000000-hello", references: [], deriver: "" };
 * const chunks: Buffer[] = [];
 * for await (const chunk of exportStreamChunks([exportItemChunks((async function* () { yield nar; })(), metadata)])) chunks.push(chunk);
 * const store = mkdtempSync(join(tmpdir(), "offload-store-"));
 * const options = { acl: parseAcl("(acl)"), destination: (path: string) => join(store, basename(path)), stagingDir: store };
 * const refusal = await restoreFileSet(ByteReader.fromBuffer(Buffer.concat(chunks), "export-format"), options).catch((error) => [error.failure, error.message]);
 * const left = readdirSync(store);
 * rmSync(store, { recursive: true });
 * refusal; // ["unsigned", "imported archive of `/gnu/store/00000000000000000000000000000000-hello' lacks a signature"]
 * left; // []
 */
export async function restoreFileSet(reader: ByteReader, options: FileSetOptions): Promise<RestoredItem[]> {
  const storeDir = options.storeDir ?? DEFAULT_STORE_DIR;
  const stagingDir = options.stagingDir ?? storeDir;
  const destination = options.destination ?? ((path: string) => path);
  const items = new ExportReader(reader, storeDir);
  const restored: RestoredItem[] = [];
  // Bounded by the stream: each item consumes its bytes.
  for (;;) {
    const staging = temporarySibling(join(stagingDir, "file-set"));
    const nar: { digest?: NarDigest } = {};
    try {
      const item = await items.next(async (r) => {
        nar.digest = await restoreNar(r, staging, { permissions: "store" });
      });
      if (item === null) return restored;
      if (item.signature === null) throw unsignedError(item.path);
      checkSignature(item.signature, item.hash, options.acl);
      const target = destination(item.path);
      if (existsSync(target)) {
        if (options.replaceExisting !== true) throw new StoreError("file-system", `path \`${target}' already exists`);
        removeTree(target);
      }
      renameSync(staging, target);
      const done: RestoredItem = { path: item.path, references: item.references, deriver: item.deriver, narHash: nar.digest!.hash, narSize: nar.digest!.size };
      restored.push(done);
      options.onItem?.(done);
    } finally {
      if (existsSync(staging)) removeTree(staging);
    }
  }
}
