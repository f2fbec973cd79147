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
 * import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { encodeString } from "./wire.ts";
 * const scratch = mkdtempSync(join(tmpdir(), "offload-nar-"));
 * const tree = join(scratch, "tree");
 * mkdirSync(tree);
 * writeFileSync(join(tree, "hello"), "echo hi\n", { mode: 0o755 });
 * symlinkSync("hello", join(tree, "link"));
 * const chunks: Buffer[] = [];
 * for await (const chunk of narChunks(tree)) chunks.push(chunk);
 * rmSync(scratch, { recursive: true });
 * // the NAR is these strings in the daemon's encoding
 * const tokens = ["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "hello", "node", "(", "type", "regular", "executable", "", "contents", "echo hi\n", ")", ")", "entry", "(", "name", "link", "node", "(", "type", "symlink", "target", "hello", ")", ")", ")"];
 * Buffer.concat(chunks).equals(Buffer.concat(tokens.map((token) => encodeString(token)))); // true
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants, type Stats } from "node:fs";
import type { Writable } from "node:stream";
import { StoreError } from "./errors.ts";
import { NAR_VERSION_MAGIC, describeName } from "./nar-parser.ts";
import { encodeInt, encodeString, padding } from "./wire.ts";

/** Chunks are gathered up to this size before being yielded. */
const CHUNK_SIZE = 1024 * 1024;

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

/** Gathers small pieces into chunks of CHUNK_SIZE bytes; finished chunks wait in `ready`. */
class ChunkBuffer {
  private buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private used = 0;
  /** Chunks ready to be yielded, in order. */
  readonly ready: Buffer[] = [];

  /** Appends bytes (a piece as large as a chunk goes out on its own). */
  push(bytes: Buffer): void {
    if (this.used + bytes.length > CHUNK_SIZE) this.finish();
    if (bytes.length >= CHUNK_SIZE) {
      this.ready.push(bytes);
      return;
    }
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
  }

  /** A writable view of the free space, for reading a file straight into it. */
  freeSpace(): Buffer {
    if (this.used === CHUNK_SIZE) this.finish();
    return this.buffer.subarray(this.used);
  }

  /** Records `count` bytes written into `freeSpace()`. */
  advance(count: number): void {
    this.used += count;
    if (this.used === CHUNK_SIZE) this.finish();
  }

  /** Moves what is buffered, if anything, to `ready`. */
  finish(): void {
    if (this.used === 0) return;
    this.ready.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    this.used = 0;
  }
}

function fsError(what: string, path: Buffer, error: unknown): StoreError {
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError("file-system", `${what} \`${describeName(path)}': ${detail}`, { cause: error });
}

function stat(path: Buffer): Stats {
  try {
    return lstatSync(path);
  } catch (error) {
    throw fsError("getting attributes of path", path, error);
  }
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

/** The NAR of `path` (a file, directory or symlink, not followed), in chunks. */
export async function* narChunks(path: string | Buffer): AsyncGenerator<Buffer, void, undefined> {
  const root = typeof path === "string" ? Buffer.from(path) : path;
  // Tokens go into a chunk buffer and whole chunks are yielded once per node:
  // a yield (or a generator) per token would cost more than the file I/O.
  const out = new ChunkBuffer();
  out.push(T.magic);
  const stack: PendingDirectory[] = [];
  let current: Buffer | null = root;
  for (;;) {
    if (current !== null) {
      const nodePath: Buffer = current;
      current = null;
      const stats = stat(nodePath);
      out.push(T.open);
      if (stats.isFile()) {
        out.push(T.typeRegular);
        if (stats.mode & constants.S_IXUSR) out.push(T.executable);
        const size = stats.size;
        out.push(T.contents);
        out.push(encodeInt(size));
        if (size <= SMALL_FILE) readSmallFile(nodePath, size, out);
        else yield* readLargeFile(nodePath, size, out);
        out.push(padding(size));
        out.push(T.close);
        if (stack.length > 0) out.push(T.close);
      } else if (stats.isSymbolicLink()) {
        let target: Buffer;
        try {
          target = readlinkSync(nodePath, { encoding: "buffer" });
        } catch (error) {
          throw fsError("reading symbolic link", nodePath, error);
        }
        out.push(T.typeSymlink);
        out.push(encodeString(target));
        out.push(T.close);
        if (stack.length > 0) out.push(T.close);
      } else if (stats.isDirectory()) {
        out.push(T.typeDirectory);
        stack.push({ path: nodePath, entries: sortedEntries(nodePath), next: 0 });
      } else {
        throw new StoreError("file-system", `file \`${describeName(nodePath)}' has an unsupported type`);
      }
      while (out.ready.length > 0) yield out.ready.shift()!;
    }
    const top = stack.at(-1);
    if (top === undefined) break;
    if (top.next === top.entries.length) {
      stack.pop();
      out.push(T.close);
      if (stack.length > 0) out.push(T.close);
      if (stack.length === 0) break;
      continue;
    }
    const name = top.entries[top.next++]!;
    out.push(T.entryName);
    out.push(encodeString(name));
    out.push(T.node);
    current = joinPath(top.path, name);
  }
  out.finish();
  while (out.ready.length > 0) yield out.ready.shift()!;
}

/** Files up to this size are read in one go into the current chunk. */
const SMALL_FILE = 64 * 1024;

function openForDump(path: Buffer): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw fsError("opening file", path, error);
  }
}

/** Reads exactly `size` bytes of `fd` into the chunk buffer, yielding nothing (for small files). */
function readInto(fd: number, path: Buffer, size: number, out: ChunkBuffer): void {
  let left = size;
  while (left > 0) {
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
}

function readSmallFile(path: Buffer, size: number, out: ChunkBuffer): void {
  if (size === 0) return;
  const fd = openForDump(path);
  try {
    readInto(fd, path, size, out);
  } finally {
    closeSync(fd);
  }
}

/** A large file's bytes, read straight into the output chunks and yielded as chunks fill. */
function* readLargeFile(path: Buffer, size: number, out: ChunkBuffer): Generator<Buffer, void, undefined> {
  const fd = openForDump(path);
  try {
    let left = size;
    while (left > 0) {
      const step = Math.min(left, CHUNK_SIZE);
      readInto(fd, path, step, out);
      left -= step;
      while (out.ready.length > 0) yield out.ready.shift()!;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Dumps `path` into `sink` with backpressure; resolves to the NAR hash and
 * size (or only the size with `{ hash: false }`, for callers that do not need
 * the SHA-256, which costs more than the dump itself).
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { PassThrough } from "node:stream";
 * const scratch = mkdtempSync(join(tmpdir(), "offload-nar-"));
 * writeFileSync(join(scratch, "hello"), "hi\n");
 * const sink = new PassThrough().resume();
 * const written = await writeNar(join(scratch, "hello"), sink, { hash: false });
 * rmSync(scratch, { recursive: true });
 * written; // { size: 120 }
 */
export async function writeNar(path: string | Buffer, sink: Writable): Promise<NarDigest>;
export async function writeNar(path: string | Buffer, sink: Writable, options: { hash: false }): Promise<{ size: number }>;
export async function writeNar(path: string | Buffer, sink: Writable, options: { hash?: boolean } = {}): Promise<NarDigest | { size: number }> {
  const hash = options.hash === false ? null : createHash("sha256");
  let size = 0;
  for await (const chunk of narChunks(path)) {
    hash?.update(chunk);
    size += chunk.length;
    if (!sink.write(chunk)) await drained(sink);
  }
  return hash === null ? { size } : { hash: hash.digest(), size };
}

/**
 * Waits until `sink` wants more, failing if it errors or closes first.
 *
 * @example
 * if (!socket.write(chunk)) await drained(socket);
 */
export function drained(sink: Writable): Promise<void> {
  if (sink.destroyed) return Promise.reject(new StoreError("connection-broken", "the output stream was closed"));
  // Plain listeners: this runs once per chunk, and once() with an AbortSignal costs more than the write.
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      sink.off("drain", onDrain);
      sink.off("close", onClose);
      sink.off("error", onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new StoreError("connection-broken", "the output stream was closed"));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new StoreError("connection-broken", `the output stream failed: ${error.message}`, { cause: error }));
    };
    sink.on("drain", onDrain);
    sink.on("close", onClose);
    sink.on("error", onError);
  });
}

/**
 * The NAR hash and size of `path`, as the daemon would record them.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { toNixBase32 } from "./base32.ts";
 * const scratch = mkdtempSync(join(tmpdir(), "offload-nar-"));
 * writeFileSync(join(scratch, "hello"), "hi\n");
 * const { hash, size } = await narDigest(join(scratch, "hello"));
 * rmSync(scratch, { recursive: true });
 * // as `guix path-info` and narinfos show it
 * [`sha256:${toNixBase32(hash)}`, size]; // ["sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", 120]
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
