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
 * keeps running while a large tree is dumped. In a tree of many files, the
 * regular files of directories listed ahead are read in batches on worker
 * threads (file-batch-reader.ts) while this thread assembles the archive;
 * the archive is the same either way.
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
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants, type Dirent, type Stats } from "node:fs";
import type { Writable } from "node:stream";
import { StoreError } from "./errors.ts";
import { readFileBatch, type BatchFile, type FileBatch } from "./file-batch-reader.ts";
import { NAR_VERSION_MAGIC, describeName } from "./nar-parser.ts";
import { encodeString, paddingLength } from "./wire.ts";

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
  closeTwice: Buffer.concat([encodeString(")"), encodeString(")")]),
  typeRegular: Buffer.concat([encodeString("type"), encodeString("regular"), encodeString("contents")]),
  typeExecutable: Buffer.concat([encodeString("type"), encodeString("regular"), encodeString("executable"), encodeString(""), encodeString("contents")]),
  typeSymlink: Buffer.concat([encodeString("type"), encodeString("symlink"), encodeString("target")]),
  openDirectory: Buffer.concat([encodeString("("), encodeString("type"), encodeString("directory")]),
  entryName: Buffer.concat([encodeString("entry"), encodeString("("), encodeString("name")]),
  node: encodeString("node"),
};

/**
 * Gathers the archive into chunks of CHUNK_SIZE bytes; finished chunks wait
 * in `ready`. Integers and strings are encoded straight into the chunk: a
 * dump writes several per file, and an allocation for each would cost more
 * than the file's system calls.
 */
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

  /** Appends an unsigned integer (below 2^53) as 8 little-endian bytes. */
  int(value: number): void {
    if (this.used + 8 > CHUNK_SIZE) this.finish();
    this.buffer.writeUInt32LE(value >>> 0, this.used);
    this.buffer.writeUInt32LE(Math.floor(value / 0x1_0000_0000), this.used + 4);
    this.used += 8;
  }

  /** Appends a string of the wire format: its length, its bytes, zeros to a multiple of 8. */
  string(bytes: Buffer): void {
    this.int(bytes.length);
    this.push(bytes);
    this.zeros(paddingLength(bytes.length));
  }

  /** Appends `count` (at most 8) zero bytes. */
  zeros(count: number): void {
    if (count === 0) return;
    if (this.used + count > CHUNK_SIZE) this.finish();
    this.buffer.fill(0, this.used, this.used + count);
    this.used += count;
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

/** `prefix` (a directory and a slash) followed by `name`, in one allocation. */
function childPath(prefix: Buffer, name: Buffer): Buffer {
  const path = Buffer.allocUnsafe(prefix.length + name.length);
  prefix.copy(path, 0);
  name.copy(path, prefix.length);
  return path;
}

/** An entry of a directory: a directory (dumped from its own listing), a regular file, or another kind (lstat tells). */
interface ListedEntry {
  name: Buffer;
  path: Buffer;
  directory: boolean;
  /** The file's place among its listing's batched files, or -1: read here. */
  batched: number;
}

/** A directory's entries in byte order, and the batches its regular files are read in on the worker. */
interface Listing {
  path: Buffer;
  entries: ListedEntry[];
  batches: Batch[];
}

/** Regular files read together on the worker (file-batch-reader.ts). */
interface Batch {
  paths: Buffer[];
  /** Set once sent to the worker. */
  reply: Promise<FileBatch | null> | null;
  /** Set once the reply arrived (null: the worker read nothing). */
  arrived: FileBatch | null | undefined;
}

/** Files per batch (a power of two: an entry's batch and place are a shift and a mask). */
const BATCH_SHIFT = 6;
const BATCH_FILES = 1 << BATCH_SHIFT;
/** Batches sent and not yet dumped: at most this many times BATCH_FILES × SMALL_FILE bytes wait in memory. */
const BATCHES_IN_FLIGHT = 16;
/** Directories listed ahead of the one being dumped. */
const DIRECTORIES_AHEAD = 64;
/**
 * From this many regular files on, a dump reads them on the worker: below
 * it, a message round trip per batch costs more than it saves.
 */
const DEFAULT_BATCH_FROM = 256;

/**
 * Lists directories ahead of the dump, in the order the dump enters them
 * (directories first-visited depth-first, entries in byte order), and keeps
 * the worker reading the regular files of what it listed. The dump takes
 * each listing as it enters the directory, and each file's contents as it
 * reaches the file.
 */
class Lookahead {
  /** Listed and not yet entered. */
  private readonly listed: Listing[] = [];
  /** The lookahead's own depth-first walk: listings whose subdirectories are still to list. */
  private readonly walk: Array<{ listing: Listing; next: number }> = [];
  private readonly unsent: Batch[] = [];
  private inFlight = 0;
  private regularFiles = 0;

  constructor(
    root: Buffer,
    private readonly batchFrom: number,
  ) {
    this.list(root);
  }

  /** The listing of the directory the dump enters now. */
  enter(path: Buffer): Listing {
    if (this.listed.length === 0) this.advance();
    const listing = this.listed.shift();
    if (listing === undefined || !listing.path.equals(path))
      throw new StoreError("file-system", `directory \`${describeName(path)}' changed while it was being dumped`);
    while (this.listed.length < DIRECTORIES_AHEAD && this.unsent.length < BATCHES_IN_FLIGHT && this.advance());
    this.send();
    return listing;
  }

  /**
   * What the worker read of `entry` (null: read it here), or a promise of
   * it while its batch has not arrived.
   */
  file(listing: Listing, entry: ListedEntry): BatchFile | null | Promise<BatchFile | null> {
    const batch = listing.batches[entry.batched >> BATCH_SHIFT]!;
    const place = entry.batched & (BATCH_FILES - 1);
    if (batch.reply === null) this.send();
    if (batch.arrived === undefined) return batch.reply!.then(() => this.take(batch, place));
    return this.take(batch, place);
  }

  private take(batch: Batch, place: number): BatchFile | null {
    if (place === batch.paths.length - 1) {
      this.inFlight--;
      this.send();
    }
    return batch.arrived?.file(place) ?? null;
  }

  /** Lists the next directory of the walk; false once there is none. */
  private advance(): boolean {
    for (;;) {
      const top = this.walk.at(-1);
      if (top === undefined) return false;
      const entries = top.listing.entries;
      while (top.next < entries.length && !entries[top.next]!.directory) top.next++;
      if (top.next === entries.length) {
        this.walk.pop();
        continue;
      }
      this.list(entries[top.next++]!.path);
      return true;
    }
  }

  private list(path: Buffer): void {
    let dirents: Dirent<Buffer>[];
    try {
      dirents = readdirSync(path, { encoding: "buffer", withFileTypes: true });
    } catch (error) {
      throw fsError("reading directory", path, error);
    }
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    const prefix = Buffer.concat([path, SLASH]);
    const regular = dirents.reduce((count, dirent) => count + (dirent.isFile() ? 1 : 0), 0);
    this.regularFiles += regular;
    const batched = this.regularFiles >= this.batchFrom;
    const listing: Listing = { path, entries: [], batches: [] };
    let files = 0;
    for (const dirent of dirents) {
      const entry = { name: dirent.name, path: childPath(prefix, dirent.name), directory: dirent.isDirectory(), batched: -1 };
      if (batched && dirent.isFile()) {
        if ((files & (BATCH_FILES - 1)) === 0) {
          const batch: Batch = { paths: [], reply: null, arrived: undefined };
          listing.batches.push(batch);
          this.unsent.push(batch);
        }
        listing.batches.at(-1)!.paths.push(entry.path);
        entry.batched = files++;
      }
      listing.entries.push(entry);
    }
    this.listed.push(listing);
    this.walk.push({ listing, next: 0 });
  }

  private send(): void {
    while (this.unsent.length > 0 && this.inFlight < BATCHES_IN_FLIGHT) {
      const batch = this.unsent.shift()!;
      this.inFlight++;
      batch.reply = readFileBatch(batch.paths, SMALL_FILE).then((reply) => (batch.arrived = reply));
    }
  }
}

/** Options of a dump. */
export interface NarOptions {
  /**
   * Read regular files on a worker thread once a dump has listed this many
   * (default 256; 0: always; Infinity: never). The archive is the same.
   */
  batchFrom?: number;
}

/**
 * The NAR of `path` (a file, directory or symlink, not followed), in chunks.
 *
 * @example
 * const chunks: Buffer[] = [];
 * for await (const chunk of narChunks("/gnu/store/…-hello-2.12.1")) chunks.push(chunk);
 */
export async function* narChunks(path: string | Buffer, options: NarOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const root = typeof path === "string" ? Buffer.from(path) : path;
  // Tokens go into a chunk buffer and whole chunks are yielded once per node:
  // a yield (or a generator) per token would cost more than the file I/O.
  const out = new ChunkBuffer();
  out.push(T.magic);
  const rootStats = stat(root);
  if (!rootStats.isDirectory()) {
    yield* dumpLeaf(root, rootStats, out, false);
  } else {
    const lookahead = new Lookahead(root, options.batchFrom ?? DEFAULT_BATCH_FROM);
    out.push(T.openDirectory);
    const stack = [{ listing: lookahead.enter(root), next: 0 }];
    for (;;) {
      const top = stack.at(-1)!;
      if (top.next === top.listing.entries.length) {
        stack.pop();
        out.push(stack.length > 0 ? T.closeTwice : T.close);
        if (stack.length === 0) break;
        continue;
      }
      const entry = top.listing.entries[top.next++]!;
      out.push(T.entryName);
      out.string(entry.name);
      out.push(T.node);
      if (entry.directory) {
        out.push(T.openDirectory);
        stack.push({ listing: lookahead.enter(entry.path), next: 0 });
        continue;
      }
      let read = entry.batched < 0 ? null : lookahead.file(top.listing, entry);
      if (read instanceof Promise) read = await read;
      if (read === null) yield* dumpLeaf(entry.path, stat(entry.path), out, true);
      else {
        out.push(T.open);
        out.push(read.executable ? T.typeExecutable : T.typeRegular);
        out.int(read.bytes.length);
        out.push(read.bytes);
        out.zeros(paddingLength(read.bytes.length));
        out.push(T.closeTwice);
      }
      while (out.ready.length > 0) yield out.ready.shift()!;
    }
  }
  out.finish();
  while (out.ready.length > 0) yield out.ready.shift()!;
}

/** Dumps a node that is not a directory, read here; `nested`: it is a directory's entry (whose parenthesis it closes). */
function* dumpLeaf(path: Buffer, stats: Stats, out: ChunkBuffer, nested: boolean): Generator<Buffer, void, undefined> {
  out.push(T.open);
  if (stats.isFile()) {
    out.push(stats.mode & constants.S_IXUSR ? T.typeExecutable : T.typeRegular);
    const size = stats.size;
    out.int(size);
    if (size <= SMALL_FILE) readSmallFile(path, size, out);
    else yield* readLargeFile(path, size, out);
    out.zeros(paddingLength(size));
  } else if (stats.isSymbolicLink()) {
    let target: Buffer;
    try {
      target = readlinkSync(path, { encoding: "buffer" });
    } catch (error) {
      throw fsError("reading symbolic link", path, error);
    }
    out.push(T.typeSymlink);
    out.string(target);
  } else if (stats.isDirectory()) {
    throw new StoreError("file-system", `\`${describeName(path)}' became a directory while it was being dumped`);
  } else {
    throw new StoreError("file-system", `file \`${describeName(path)}' has an unsupported type`);
  }
  out.push(nested ? T.closeTwice : T.close);
  while (out.ready.length > 0) yield out.ready.shift()!;
}

const SLASH = Buffer.from("/");

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
 * the SHA-256, which costs more than the dump itself). Up to 8 MiB wait in
 * the sink, whatever its own high-water mark: the dump goes on reading while
 * the sink writes.
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
    const full = !sink.write(chunk);
    if (sink.destroyed || (full && sink.writableLength >= SINK_BUFFER_BYTES)) await drained(sink);
  }
  return hash === null ? { size } : { hash: hash.digest(), size };
}

/** Bytes {@link writeNar} lets wait in its sink before it waits for the sink to drain. */
const SINK_BUFFER_BYTES = 8 * 1024 * 1024;

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
