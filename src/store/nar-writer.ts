/**
 * Dumping a file tree as a NAR, byte for byte what Guix's `write-file` and
 * the daemon's `dumpPath` write: directory entries in byte order, file names
 * and symlink targets as raw bytes (never decoded), the executable bit from
 * the owner's x permission, the size from `lstat`. The archive is produced as
 * a stream of chunks with its SHA-256 and size computed on the way, which are
 * the NAR hash and size the daemon records for a store item.
 *
 * File-system calls are synchronous on purpose: for trees of many small files
 * they are several times cheaper than the thread-pool round trips of the
 * asynchronous API, and the generator yields between chunks, so the event loop
 * keeps running while a large tree is dumped.
 *
 * @example
 * import { narChunks, writeNar } from "./nar-writer.ts";
 * const { hash, size } = await writeNar("/tmp/tree", process.stdout);
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants, type BigIntStats } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { StoreError } from "./errors.ts";
import { NAR_VERSION_MAGIC, describeName } from "./nar-parser.ts";
import { encodeString, padding } from "./wire.ts";

/** Chunks are gathered up to this size before being yielded. */
const CHUNK_SIZE = 256 * 1024;

/** The NAR hash and size of a dump. */
export interface NarDigest {
  /** SHA-256 of the archive. */
  hash: Buffer;
  /** Length of the archive in bytes. */
  size: number;
}

// Pre-encoded tokens: every node repeats them.
const T = {
  magic: encodeString(NAR_VERSION_MAGIC),
  open: encodeString("("),
  close: encodeString(")"),
  typeRegular: Buffer.concat([encodeString("type"), encodeString("regular")]),
  executable: Buffer.concat([encodeString("executable"), encodeString("")]),
  contents: encodeString("contents"),
  typeSymlink: Buffer.concat([encodeString("type"), encodeString("symlink"), encodeString("target")]),
  typeDirectory: Buffer.concat([encodeString("type"), encodeString("directory")]),
  entryName: Buffer.concat([encodeString("entry"), encodeString("("), encodeString("name")]),
  node: encodeString("node"),
};

/** Gathers small pieces into chunks of about CHUNK_SIZE bytes. */
class ChunkBuffer {
  private buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private used = 0;

  /** Appends bytes; returns a full chunk when one is ready. */
  push(bytes: Buffer): Buffer | null {
    if (bytes.length >= CHUNK_SIZE) throw new Error("ChunkBuffer.push: piece larger than a chunk");
    let out: Buffer | null = null;
    if (this.used + bytes.length > CHUNK_SIZE) out = this.take();
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
    return out;
  }

  /** Space left before the chunk is full. */
  get room(): number {
    return CHUNK_SIZE - this.used;
  }

  /** A writable view of the free space, for reading a file straight into it. */
  freeSpace(): Buffer {
    return this.buffer.subarray(this.used);
  }

  /** Records `count` bytes written into `freeSpace()`. */
  advance(count: number): void {
    this.used += count;
  }

  /** Whatever is buffered (possibly nothing), as a chunk of its own. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    this.used = 0;
    return out;
  }
}

function fsError(what: string, path: Buffer, error: unknown): StoreError {
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError("file-system", `${what} \`${describeName(path)}': ${detail}`, { cause: error });
}

function stat(path: Buffer): BigIntStats {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    throw fsError("getting attributes of path", path, error);
  }
}

function sizeOf(stats: BigIntStats, path: Buffer): number {
  if (stats.size > BigInt(Number.MAX_SAFE_INTEGER)) throw fsError("dumping", path, new Error("file too large"));
  return Number(stats.size);
}

/** A directory waiting to be dumped: its entries left, sorted, and its own path. */
interface PendingDirectory {
  path: Buffer;
  entries: Buffer[];
  next: number;
}

function joinPath(directory: Buffer, name: Buffer): Buffer {
  return Buffer.concat([directory, Buffer.from("/"), name]);
}

function sortedEntries(path: Buffer): Buffer[] {
  let names: Buffer[];
  try {
    names = readdirSync(path, { encoding: "buffer" });
  } catch (error) {
    throw fsError("reading directory", path, error);
  }
  return names.sort(Buffer.compare);
}

/**
 * The NAR of `path` (a file, directory or symlink, not followed), in chunks.
 *
 * @example
 * for await (const chunk of narChunks("/tmp/tree")) process.stdout.write(chunk);
 */
export async function* narChunks(path: string | Buffer): AsyncGenerator<Buffer, void, undefined> {
  const root = typeof path === "string" ? Buffer.from(path) : path;
  const out = new ChunkBuffer();
  const emit = function* (bytes: Buffer): Generator<Buffer, void, undefined> {
    const full = out.push(bytes);
    if (full !== null) yield full;
  };
  yield* emit(T.magic);

  const stack: PendingDirectory[] = [];
  let current: Buffer | null = root;
  for (;;) {
    if (current !== null) {
      const nodePath: Buffer = current;
      current = null;
      const stats = stat(nodePath);
      yield* emit(T.open);
      if (stats.isFile()) {
        yield* emit(T.typeRegular);
        if ((stats.mode & BigInt(constants.S_IXUSR)) !== 0n) yield* emit(T.executable);
        const size = sizeOf(stats, nodePath);
        yield* emit(T.contents);
        const header = Buffer.allocUnsafe(8);
        header.writeBigUInt64LE(BigInt(size));
        yield* emit(header);
        yield* fileContents(nodePath, size, out);
        yield* emit(padding(size));
        yield* emit(T.close);
        if (stack.length > 0) yield* emit(T.close);
      } else if (stats.isSymbolicLink()) {
        let target: Buffer;
        try {
          target = readlinkSync(nodePath, { encoding: "buffer" });
        } catch (error) {
          throw fsError("reading symbolic link", nodePath, error);
        }
        yield* emit(T.typeSymlink);
        yield* emitString(target, out);
        yield* emit(T.close);
        if (stack.length > 0) yield* emit(T.close);
      } else if (stats.isDirectory()) {
        yield* emit(T.typeDirectory);
        stack.push({ path: nodePath, entries: sortedEntries(nodePath), next: 0 });
      } else {
        throw new StoreError("file-system", `file \`${describeName(nodePath)}' has an unsupported type`);
      }
    }
    const top = stack.at(-1);
    if (top === undefined) break;
    if (top.next === top.entries.length) {
      stack.pop();
      yield* emit(T.close);
      if (stack.length > 0) yield* emit(T.close);
      if (stack.length === 0) break;
      continue;
    }
    const name = top.entries[top.next++]!;
    yield* emit(T.entryName);
    yield* emitString(name, out);
    yield* emit(T.node);
    current = joinPath(top.path, name);
  }
  const last = out.take();
  if (last.length > 0) yield last;
}

/** A length-prefixed, padded string that may be longer than a chunk. */
function* emitString(bytes: Buffer, out: ChunkBuffer): Generator<Buffer, void, undefined> {
  const encoded = encodeString(bytes);
  if (encoded.length < CHUNK_SIZE) {
    const full = out.push(encoded);
    if (full !== null) yield full;
    return;
  }
  yield out.take();
  yield encoded;
}

/** Exactly `size` bytes of the file, read straight into the output chunks. */
function* fileContents(path: Buffer, size: number, out: ChunkBuffer): Generator<Buffer, void, undefined> {
  if (size === 0) return;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw fsError("opening file", path, error);
  }
  try {
    let left = size;
    while (left > 0) {
      if (out.room === 0) yield out.take();
      const space = out.freeSpace();
      const want = Math.min(left, space.length);
      let got: number;
      try {
        got = readSync(fd, space, 0, want, null);
      } catch (error) {
        throw fsError("reading file", path, error);
      }
      if (got === 0) throw new StoreError("file-system", `file \`${describeName(path)}' shrank while it was being dumped`);
      out.advance(got);
      left -= got;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Dumps `path` into `sink` with backpressure; resolves to the NAR hash and size.
 *
 * @example
 * const { hash, size } = await writeNar("/tmp/tree", createWriteStream("tree.nar"));
 */
export async function writeNar(path: string | Buffer, sink: Writable): Promise<NarDigest> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of narChunks(path)) {
    hash.update(chunk);
    size += chunk.length;
    if (!sink.write(chunk)) await drained(sink);
  }
  return { hash: hash.digest(), size };
}

/** Waits until `sink` wants more, failing if it errors or closes first. */
export async function drained(sink: Writable): Promise<void> {
  if (sink.destroyed) throw new StoreError("connection-broken", "the output stream was closed");
  const controller = new AbortController();
  try {
    await Promise.race([
      once(sink, "drain", { signal: controller.signal }),
      once(sink, "close", { signal: controller.signal }).then(() => {
        throw new StoreError("connection-broken", "the output stream was closed");
      }),
    ]);
  } finally {
    controller.abort();
  }
}

/**
 * The NAR hash and size of `path`, as the daemon would record them.
 *
 * @example
 * const { hash } = await narDigest("/tmp/tree"); // hash.toString("hex")
 */
export async function narDigest(path: string | Buffer): Promise<NarDigest> {
  const hash: Hash = createHash("sha256");
  let size = 0;
  for await (const chunk of narChunks(path)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hash: hash.digest(), size };
}
