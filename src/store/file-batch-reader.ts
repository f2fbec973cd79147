/**
 * Reading many small files on a worker thread, in batches: for each path,
 * open it (not following a symlink), fstat, read it whole, close. Those
 * four system calls per file are most of what dumping a tree of small files
 * costs; on a worker they run beside the thread that assembles the archive.
 * Two workers take the batches in turn; they start on first use and never
 * keep the process alive.
 *
 * A file the worker cannot read as asked (gone, not a regular file now,
 * larger than the batch's limit, shrinking while read) is reported as not
 * read: the caller reads it itself and reports the failure in its own words.
 *
 * @example
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readFileBatch } from "./file-batch-reader.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-batch-"));
 * writeFileSync(join(dir, "a"), "hello\n");
 * writeFileSync(join(dir, "run"), "#!/bin/sh\n", { mode: 0o755 });
 * const batch = await readFileBatch([Buffer.from(join(dir, "a")), Buffer.from(join(dir, "run")), Buffer.from(join(dir, "missing"))], 1024);
 * rmSync(dir, { recursive: true });
 * [batch.file(0)?.bytes.toString(), batch.file(1)?.executable, batch.file(2)]; // ["hello\n", true, null]
 */
import { Worker } from "node:worker_threads";

/** Whether a batch entry was read, and how. */
const READ = 0;
const READ_EXECUTABLE = 1;
const NOT_READ = 2;

// Plain JavaScript, evaluated in the worker: no loader or bundler needed there.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { openSync, fstatSync, readSync, closeSync, constants } = require("node:fs");
// O_NONBLOCK: a FIFO put where a file was must not block the open.
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
function readWhole(fd, size, into, at) {
  let done = 0;
  while (done < size) {
    const got = readSync(fd, into, at + done, size - done, null);
    if (got === 0) return false;
    done += got;
  }
  return true;
}
parentPort.on("message", ({ id, paths, limit }) => {
  const names = [];
  for (let start = 0; start < paths.length; ) {
    const end = paths.indexOf(0, start);
    names.push(Buffer.from(paths.buffer, paths.byteOffset + start, end - start));
    start = end + 1;
  }
  const sizes = new Float64Array(names.length);
  const kinds = new Uint8Array(names.length).fill(${NOT_READ});
  let contents = Buffer.allocUnsafeSlow(256 * 1024);
  let used = 0;
  names.forEach((name, index) => {
    let fd;
    try {
      fd = openSync(name, FLAGS);
    } catch {
      return;
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile() || stats.size > limit) return;
      if (used + stats.size > contents.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(contents.length * 2, used + stats.size));
        contents.copy(grown, 0, 0, used);
        contents = grown;
      }
      if (!readWhole(fd, stats.size, contents, used)) return;
      used += stats.size;
      sizes[index] = stats.size;
      kinds[index] = stats.mode & 0o100 ? ${READ_EXECUTABLE} : ${READ};
    } catch {
      // Not read: the caller reads it and says why.
    } finally {
      closeSync(fd);
    }
  });
  // The whole buffer moves to the caller, uncopied; the next batch has its own.
  parentPort.postMessage({ id, sizes, kinds, bytes: contents.buffer }, [contents.buffer]);
});
`;

/** A file of a batch, as the worker read it. */
export interface BatchFile {
  bytes: Buffer;
  executable: boolean;
}

/** What the worker read of a batch, in the order the paths were given. */
export class FileBatch {
  private readonly offsets: number[] = [];

  constructor(
    private readonly sizes: Float64Array,
    private readonly kinds: Uint8Array,
    private readonly bytes: Buffer,
  ) {
    let offset = 0;
    for (let index = 0; index < sizes.length; index++) {
      this.offsets.push(offset);
      if (kinds[index] !== NOT_READ) offset += sizes[index]!;
    }
  }

  /** File `index`'s contents and executable bit; null when the worker did not read it (the caller must). */
  file(index: number): BatchFile | null {
    const kind = this.kinds[index];
    if (kind === undefined || kind === NOT_READ) return null;
    const start = this.offsets[index]!;
    return { bytes: this.bytes.subarray(start, start + this.sizes[index]!), executable: kind === READ_EXECUTABLE };
  }
}

interface Reply {
  id: number;
  sizes: Float64Array;
  kinds: Uint8Array;
  bytes: ArrayBuffer;
}

/** Worker threads reading batches at once. */
const FILE_READERS = 2;

/** A worker and the batches it owes, by id. */
interface Reader {
  worker: Worker;
  waiting: Map<number, (batch: FileBatch | null) => void>;
}

const readers: Array<Reader | null> = Array.from({ length: FILE_READERS }, () => null);
let nextId = 1;
let answered = 0;

function started(slot: number): Reader {
  const running = readers[slot];
  if (running !== null && running !== undefined) return running;
  const reader: Reader = { worker: new Worker(WORKER_SOURCE, { eval: true }), waiting: new Map() };
  reader.worker.on("message", (reply: Reply) => {
    const resolve = reader.waiting.get(reply.id);
    if (resolve === undefined) return;
    reader.waiting.delete(reply.id);
    if (reader.waiting.size === 0) reader.worker.unref();
    answered++;
    resolve(new FileBatch(reply.sizes, reply.kinds, Buffer.from(reply.bytes)));
  });
  // A worker that fails reads nothing more: every batch it owed is left to the caller.
  reader.worker.on("error", () => forget(slot, reader));
  reader.worker.on("exit", () => forget(slot, reader));
  // After the listeners: adding a "message" listener refs the worker's port again.
  reader.worker.unref();
  readers[slot] = reader;
  return reader;
}

function forget(slot: number, failed: Reader): void {
  if (readers[slot] !== failed) return;
  readers[slot] = null;
  for (const resolve of failed.waiting.values()) resolve(null);
  failed.waiting.clear();
}

/**
 * Reads `paths` (raw bytes; none may contain NUL) on the worker thread:
 * regular files of at most `limit` bytes are read whole. Resolves to null
 * if the worker failed, leaving every file to the caller.
 *
 * @example
 * const batch = await readFileBatch([Buffer.from("/etc/hostname")], 64 * 1024);
 * batch?.file(0)?.bytes.length; // the file's size
 */
export function readFileBatch(paths: readonly Buffer[], limit: number): Promise<FileBatch | null> {
  const id = nextId++;
  const joined = Buffer.concat(paths.flatMap((path) => [path, NUL]));
  const reader = started(id % FILE_READERS);
  // Keep the process alive while an answer is due.
  reader.worker.ref();
  const reply = new Promise<FileBatch | null>((resolve) => reader.waiting.set(id, resolve));
  reader.worker.postMessage({ id, paths: joined, limit });
  return reply;
}

const NUL = Buffer.from([0]);

/**
 * How many batches the worker has answered in this process (for tests that
 * must know the worker did the reading).
 *
 * @example
 * const before = batchesAnswered();
 * await readFileBatch([Buffer.from("/etc/hostname")], 1024);
 * batchesAnswered() - before; // 1
 */
export function batchesAnswered(): number {
  return answered;
}
