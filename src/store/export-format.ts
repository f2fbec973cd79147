/**
 * The export format of `guix archive --export`, the daemon's ExportPath and
 * ImportPaths (LocalStore::exportPath/importPath):
 *
 *     stream = { 1 item } 0
 *     item   = NAR  0x4558494e  PATH  REFERENCES  DERIVER  ( 0 | 1 SIGNATURE )
 *
 * integers and strings in the daemon's encoding. The signature signs the
 * SHA-256 of the item's bytes from the NAR up to (not including) the
 * signature flag. Both directions stream: items are read while their NAR is
 * restored (or skipped), and written while their NAR is dumped.
 *
 * @example
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * const nar = Buffer.concat(["nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")"].map((token) => encodeString(token)));
 * const metadata = { path: "/gnu/store/00000000000000000000000000000000-hello", references: [], deriver: "" };
 * // write an unsigned one-item stream, then read it back
 * const chunks: Buffer[] = [];
 * for await (const chunk of exportStreamChunks([exportItemChunks((async function* () { yield nar; })(), metadata)])) chunks.push(chunk);
 * const items = new ExportReader(ByteReader.fromBuffer(Buffer.concat(chunks), "export-format"));
 * const item = await items.next(discardNar);
 * [item?.path, item?.references, item?.signature]; // ["/gnu/store/00000000000000000000000000000000-hello", [], null]
 * await items.next(discardNar); // null
 */
import { createHash } from "node:crypto";
import type { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { discardingSink, parseNar } from "./nar-parser.ts";
import { DEFAULT_STORE_DIR, assertStorePath } from "./store-path.ts";
import { WireWriter, encodeInt } from "./wire.ts";

/** The magic number between an item's NAR and its metadata. */
export const EXPORT_MAGIC = 0x4558494e;

/** An exported item's metadata. */
export interface ExportMetadata {
  /** The store path. */
  path: string;
  /** Its references (store paths), in the daemon's order (sorted). */
  references: string[];
  /** Its deriver, or "" when unknown. */
  deriver: string;
}

/** An item as read from an export stream. */
export interface ExportedItem extends ExportMetadata {
  /** The signature's text (Latin-1 bytes of the S-expression), or null when unsigned. */
  signature: string | null;
  /** SHA-256 of the item's bytes up to the signature flag: what a signature must sign. */
  hash: Buffer;
}

/** Consumes one NAR from the reader (restoring it somewhere, or skipping it). */
export type NarConsumer = (reader: ByteReader) => Promise<unknown>;

/** A NarConsumer that checks the NAR and throws it away. */
export const discardNar: NarConsumer = (reader) => parseNar(reader, discardingSink());

function formatError(message: string): StoreError {
  return new StoreError("export-format", message);
}

/**
 * Reads the items of an export stream one at a time.
 *
 * @example
 * const item = await new ExportReader(reader).next((r) => restoreNar(r, temporaryDir));
 */
export class ExportReader {
  constructor(
    private readonly reader: ByteReader,
    private readonly storeDir: string = DEFAULT_STORE_DIR,
  ) {}

  /**
   * The next item, its NAR handed to `nar`; null at the end mark (0).
   * Throws on any other mark, a wrong magic number, or paths outside the store.
   */
  async next(nar: NarConsumer): Promise<ExportedItem | null> {
    const mark = await this.reader.readInt();
    if (mark === 0) return null;
    if (mark !== 1) throw formatError("input doesn't look like something created by `nix-store --export'");
    return this.readItem(nar);
  }

  /** One item without its leading mark (what a single ExportPath sends). */
  async readItem(nar: NarConsumer): Promise<ExportedItem> {
    const hash = createHash("sha256");
    const previousTap = this.reader.tap;
    this.reader.tap = (bytes) => {
      hash.update(bytes);
      previousTap?.(bytes);
    };
    let metadata: ExportMetadata;
    try {
      await nar(this.reader);
      const magic = await this.reader.readInt();
      if (magic !== EXPORT_MAGIC) throw formatError("normalized archive cannot be imported; wrong format");
      metadata = await this.readMetadata();
    } finally {
      this.reader.tap = previousTap;
    }
    const digest = hash.digest();
    const flag = await this.reader.readInt();
    if (flag !== 0 && flag !== 1) throw formatError(`invalid signature flag ${flag}`);
    const signature = flag === 1 ? (await this.reader.readString(64 * 1024)).toString("latin1") : null;
    return { ...metadata, signature, hash: digest };
  }

  private async readMetadata(): Promise<ExportMetadata> {
    const path = await this.reader.readText(4096);
    assertStorePath(path, this.storeDir);
    const references = await this.reader.readTexts();
    for (const reference of references) assertStorePath(reference, this.storeDir);
    const deriver = await this.reader.readText(4096);
    if (deriver !== "") assertStorePath(deriver, this.storeDir);
    return { path, references, deriver };
  }
}

/**
 * The bytes after an item's NAR up to the signature flag: magic, path,
 * references, deriver.
 *
 * @example
 * const trailer = exportTrailer({ path: "/gnu/store/00000000000000000000000000000000-hello", references: [], deriver: "" });
 * // the magic 0x4558494e, little-endian
 * trailer.subarray(0, 4).toString(); // "NIXE"
 * // then the path (49 bytes, padded to 56, after its length), no references, an empty deriver
 * trailer.length; // 88
 */
export function exportTrailer(metadata: ExportMetadata): Buffer {
  return new WireWriter().int(EXPORT_MAGIC).string(metadata.path).strings(metadata.references).string(metadata.deriver).toBuffer();
}

/**
 * One exported item (without the leading mark), streamed from its NAR
 * chunks; `sign` receives the item's hash and returns the signature text,
 * or is absent for an unsigned item.
 *
 * @example
 * for await (const chunk of exportItemChunks(narChunks(path), metadata, (hash) => signHash(hash, key))) out.write(chunk);
 */
export async function* exportItemChunks(
  nar: AsyncIterable<Buffer>,
  metadata: ExportMetadata,
  sign?: (hash: Buffer) => string | Promise<string>,
): AsyncGenerator<Buffer, void, undefined> {
  const hash = createHash("sha256");
  for await (const chunk of nar) {
    hash.update(chunk);
    yield chunk;
  }
  const trailer = exportTrailer(metadata);
  hash.update(trailer);
  if (sign === undefined) {
    yield Buffer.concat([trailer, encodeInt(0)]);
    return;
  }
  const signature = await sign(hash.digest());
  yield Buffer.concat([trailer, new WireWriter().int(1).string(Buffer.from(signature, "latin1")).toBuffer()]);
}

/**
 * A whole export stream: `1` before each item, `0` at the end.
 *
 * @example
 * Readable.from(exportStreamChunks([itemA, itemB])).pipe(socket);
 */
export async function* exportStreamChunks(
  items: Iterable<AsyncIterable<Buffer>> | AsyncIterable<AsyncIterable<Buffer>>,
): AsyncGenerator<Buffer, void, undefined> {
  for await (const item of items) {
    yield encodeInt(1);
    yield* item;
  }
  yield encodeInt(0);
}
