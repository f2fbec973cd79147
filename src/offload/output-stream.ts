/**
 * The local side of output download: read the stream the remote download
 * script writes (listing, file contents, remote hashes), check that every
 * entry stays inside its output directory, write everything into a private
 * staging directory while hashing, and compare each file with the remote's
 * SHA-256. Nothing is moved into place here (see output-install.ts), so a
 * broken or refused transfer leaves no partial output.
 *
 * @example
 * import { receiveOutputs } from "./output-stream.ts";
 * const received = await receiveOutputs(child.stdout, "/tmp/stage", ["out"]);
 * received.bytes; // bytes of file content received
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, mkdirSync, openSync, symlinkSync, writevSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { localWriteFailed } from "./disk-errors.ts";
import { OffloadError } from "./errors.ts";
import { IncrementalFileHash, OFF_THREAD_HASH_BYTES } from "./hash-worker.ts";
import { ProgressMeter, type TransferProgress } from "./progress.ts";
import { cleanSegments, isInside, resolveLinkTarget } from "./job-paths.ts";

/** One entry of the remote listing. */
export interface OutputEntry {
  type: "file" | "directory" | "symlink";
  /** Clean relative path (without the leading `./`). */
  path: string;
  mode: number;
  size: number;
  target: string;
}

/** What was received into the staging directory. */
export interface ReceivedOutputs {
  entries: OutputEntry[];
  /** Bytes of file content. */
  bytes: number;
  /** Entries the remote listed that are neither files, directories nor symlinks (skipped). */
  skipped: string[];
}

/** Received file data is written in batches of about this size. */
const WRITE_BATCH_BYTES = 1 << 20;

/** The listing is refused beyond this size (it is held in memory). */
const MAX_LISTING_BYTES = 256 * 1024 * 1024;

/**
 * Parse the NUL-separated listing written by GNU find
 * (`%y %m %s\0%l\0%p\0` per entry) and check every path.
 *
 * @example
 * parseListing(Buffer.from("f 644 3\0\0./out\0"), ["out"]).entries[0].path; // "out"
 */
export function parseListing(listing: Buffer, outputs: readonly string[]): { entries: OutputEntry[]; skipped: string[] } {
  const fields = listing.toString("utf8").split("\0");
  if (fields.length % 3 !== 1 || fields[fields.length - 1] !== "") {
    throw new OffloadError("transfer-failed", "the remote output listing is malformed");
  }
  const entries: OutputEntry[] = [];
  const skipped: string[] = [];
  const kinds = new Map<string, OutputEntry["type"]>();
  for (let i = 0; i + 3 <= fields.length - 1; i += 3) {
    const match = /^([a-zA-Z]) ([0-7]+) (\d+)$/.exec(fields[i]!);
    if (match === null) throw new OffloadError("transfer-failed", `the remote output listing has a bad record: ${JSON.stringify(fields[i])}`);
    const [, kind, mode, size] = match as unknown as [string, string, string, string];
    const raw = fields[i + 2]!;
    const segments = raw.startsWith("./") ? cleanSegments(raw.slice(2)) : null;
    if (segments === null) throw new OffloadError("output-escapes", `refusing output entry ${JSON.stringify(raw)}: not a clean relative path`);
    const path = segments.join("/");
    const root = outputs.find((output) => isInside(path, output));
    if (root === undefined) throw new OffloadError("output-escapes", `refusing output entry ${JSON.stringify(path)}: outside the requested outputs`);
    const parent = segments.slice(0, -1).join("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const prefix = segments.slice(0, depth).join("/");
      if (kinds.get(prefix) === "symlink" || kinds.get(prefix) === "file") {
        throw new OffloadError("output-escapes", `refusing output entry ${JSON.stringify(path)}: its parent ${JSON.stringify(prefix)} is not a directory`);
      }
    }
    if (path !== root && !kinds.has(parent) && parent !== "" && isInside(parent, root)) {
      throw new OffloadError("output-escapes", `refusing output entry ${JSON.stringify(path)}: listed before its directory`);
    }
    if (kinds.has(path)) throw new OffloadError("output-escapes", `refusing output entry ${JSON.stringify(path)}: listed twice`);
    const type = kind === "f" ? "file" : kind === "d" ? "directory" : kind === "l" ? "symlink" : null;
    if (type === null) {
      skipped.push(path);
      continue;
    }
    const target = fields[i + 1]!;
    if (type === "symlink") {
      const resolved = resolveLinkTarget(path, target);
      if (resolved === null || !isInside(resolved, root) || resolved === path) {
        throw new OffloadError(
          "output-escapes",
          `refusing output entry ${JSON.stringify(path)}: symlink to ${JSON.stringify(target)} points outside ${JSON.stringify(root)}`,
        );
      }
    }
    kinds.set(path, type);
    entries.push({ type, path, mode: Number.parseInt(mode, 8), size: Number(size), target });
  }
  for (const output of outputs) {
    if (!kinds.has(output)) throw new OffloadError("output-missing", `output ${JSON.stringify(output)} was not listed by the remote`);
  }
  return { entries, skipped };
}

/** Pulls exact byte counts out of a stream of chunks. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(stream: Readable) {
    this.iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next chunk of at most `max` bytes (empty at end of stream). */
  async next(max: number): Promise<Buffer> {
    if (this.buffer.length === 0 && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done === true) this.ended = true;
      else this.buffer = value;
    }
    const take = this.buffer.subarray(0, max);
    this.buffer = this.buffer.subarray(take.length);
    return take;
  }

  async exactly(count: number, what: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < count) {
      const chunk = await this.next(count - have);
      if (chunk.length === 0) throw new OffloadError("transfer-failed", `the output stream ended early (in ${what})`);
      parts.push(chunk);
      have += chunk.length;
    }
    return Buffer.concat(parts);
  }

  async line(limit: number, what: string): Promise<string> {
    const parts: Buffer[] = [];
    let have = 0;
    for (;;) {
      const chunk = await this.next(1);
      if (chunk.length === 0) throw new OffloadError("transfer-failed", `the output stream ended early (in ${what})`);
      if (chunk[0] === 0x0a) return Buffer.concat(parts).toString("utf8");
      parts.push(chunk);
      if (++have > limit) throw new OffloadError("transfer-failed", `the output stream is malformed (in ${what})`);
    }
  }

  async rest(limit: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    for (;;) {
      const chunk = await this.next(1 << 20);
      if (chunk.length === 0) return Buffer.concat(parts);
      have += chunk.length;
      if (have > limit) throw new OffloadError("transfer-failed", "the remote hash list is too long");
      parts.push(chunk);
    }
  }
}

/**
 * A file being received into the staging directory. The SSH layer's small
 * chunks are gathered and written with one synchronous vectored write per
 * MiB, without copying: into the page cache that is cheaper than queueing
 * them for the thread pool, and the data is there for the hashing worker as
 * soon as the write returns. A write error is `local-write-failed`.
 */
class StagedFile {
  private readonly fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;

  constructor(
    path: string,
    private readonly entry: OutputEntry,
  ) {
    try {
      this.fd = openSync(path, "wx", (entry.mode & 0o111) !== 0 ? 0o755 : 0o644);
    } catch (error) {
      throw localWriteFailed(entry.path, error);
    }
  }

  /** Take a chunk; returns the bytes now written when a batch was written, else null. */
  add(chunk: Buffer): number | null {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < WRITE_BATCH_BYTES) return null;
    this.flush();
    return this.written;
  }

  /** Write what is left; returns the bytes written in all. */
  finish(): number {
    this.flush();
    return this.written;
  }

  /** Close the file; `quietly` after another failure, which is the one to report. */
  close(quietly = false): void {
    try {
      closeSync(this.fd);
    } catch (error) {
      if (!quietly) throw localWriteFailed(this.entry.path, error);
    }
  }

  private flush(): void {
    let chunks = this.pending;
    let left = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      // A regular file takes all of a write but when its disk is full; the rest is tried again (and then fails).
      while (left > 0) {
        const done = writevSync(this.fd, chunks);
        this.written += done;
        left -= done;
        chunks = remainder(chunks, done);
      }
    } catch (error) {
      throw localWriteFailed(this.entry.path, error);
    }
  }
}

/** The chunks after the first `bytes`. */
function remainder(chunks: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}

/**
 * Parse the hash lines the remote printed (`openssl dgst -r` or `sha256sum`
 * format; names with special characters are backslash-escaped by both tools
 * and then lie on one line). Returns one hex hash per expected file.
 *
 * @example
 * // openssl dgst -r's separator, then sha256sum's
 * const text = Buffer.from(`${"a".repeat(64)} *./out/a\n${"b".repeat(64)}  ./out/b\n`);
 * parseHashLines(text, ["out/a", "out/b"]).map((hash) => `${hash.slice(0, 4)}… (${hash.length})`); // ["aaaa… (64)", "bbbb… (64)"]
 */
export function parseHashLines(text: Buffer, files: readonly string[]): string[] {
  const hashes: string[] = [];
  let offset = 0;
  for (const file of files) {
    const escaped = text[offset] === 0x5c; // "\"
    if (escaped) offset++;
    const hash = text.subarray(offset, offset + 64).toString("latin1");
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new OffloadError("transfer-failed", `the remote sent no hash for ${JSON.stringify(file)}`);
    hashes.push(hash);
    offset += 64;
    if (escaped) {
      const end = text.indexOf(0x0a, offset);
      if (end < 0) throw new OffloadError("transfer-failed", "the remote hash list is truncated");
      offset = end + 1;
    } else {
      // Unescaped: separator (" *" or "  "), the name exactly as given (it may hold newlines), newline.
      offset += 2 + Buffer.byteLength(`./${file}`) + 1;
    }
  }
  return hashes;
}

/**
 * Receive the output stream into `stagingDir`, verifying every file against
 * the remote SHA-256 and reporting progress to `onProgress`. Throws an OffloadError (nothing is left to install) on
 * refusal, truncation or a hash mismatch; the caller removes `stagingDir`.
 *
 * @example
 * import { createHash } from "node:crypto";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { Readable } from "node:stream";
 * import type { OffloadError } from "./errors.ts";
 * // what downloadScript (remote-shell.ts) sends for an output directory out holding one file
 * const listing = "d 755 4096\0\0./out\0f 644 6\0\0./out/greeting\0";
 * const hash = createHash("sha256").update("hello\n").digest("hex");
 * const stream = (sha256: string) => Readable.from([Buffer.from(`${listing.length}\n${listing}hello\n${sha256} *./out/greeting\n`)]);
 * const staging = mkdtempSync(join(tmpdir(), "offload-stage-"));
 * const received = await receiveOutputs(stream(hash), staging, ["out"]);
 * const greeting = readFileSync(join(staging, "out", "greeting"), "utf8");
 * const refused = await receiveOutputs(stream("0".repeat(64)), mkdtempSync(join(staging, "again-")), ["out"]).catch((error: OffloadError) => error.code);
 * rmSync(staging, { recursive: true });
 * received.bytes; // 6
 * received.entries.map((entry) => [entry.type, entry.path, entry.mode.toString(8)]); // [["directory", "out", "755"], ["file", "out/greeting", "644"]]
 * greeting; // "hello\n"
 * // a file whose SHA-256 is not the remote's
 * refused; // "output-corrupt"
 */
export async function receiveOutputs(
  stream: Readable,
  stagingDir: string,
  outputs: readonly string[],
  onProgress?: (progress: TransferProgress) => void,
): Promise<ReceivedOutputs> {
  const reader = new ChunkReader(stream);
  const header = await reader.line(20, "listing length");
  const length = Number(header.trim());
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_LISTING_BYTES) {
    throw new OffloadError("transfer-failed", `the output stream is malformed (listing length ${JSON.stringify(header)})`);
  }
  const { entries, skipped } = parseListing(await reader.exactly(length, "listing"), outputs);
  const files = entries.filter((entry) => entry.type === "file");
  const meter = new ProgressMeter(
    "download",
    files.reduce((sum, file) => sum + file.size, 0),
    onProgress,
  );
  const localHashes = new Map<string, Promise<string>>();
  let bytes = 0;
  makeDirectory(stagingDir, ".");
  // Parents of nested outputs (`out/result.txt`) are not listed; create them.
  for (const output of outputs) makeDirectory(join(stagingDir, output, ".."), output);
  for (const entry of entries) {
    const local = join(stagingDir, entry.path);
    if (entry.type === "directory") {
      makeDirectory(local, entry.path);
      continue;
    }
    if (entry.type !== "file") continue;
    const out = new StagedFile(local, entry);
    // Big files are hashed on the worker thread from what reached the page cache, small ones here.
    const offThread = entry.size >= OFF_THREAD_HASH_BYTES ? new IncrementalFileHash(local) : null;
    const hash: Hash | null = offThread === null ? createHash("sha256") : null;
    try {
      let left = entry.size;
      while (left > 0) {
        const chunk = await reader.next(left);
        if (chunk.length === 0) throw new OffloadError("transfer-failed", `the output stream ended early (in ${entry.path})`);
        hash?.update(chunk);
        const written = out.add(chunk);
        if (written !== null) offThread?.advance(written);
        left -= chunk.length;
        bytes += chunk.length;
        meter.add(chunk.length);
      }
      const total = out.finish();
      offThread?.advance(total);
      out.close();
    } catch (error) {
      out.close(true);
      offThread?.drop();
      throw error;
    }
    const digest = hash !== null ? Promise.resolve(hash.digest("hex")) : offThread!.digest(entry.size);
    digest.catch(() => undefined); // awaited below; a failure must not surface as unhandled meanwhile
    localHashes.set(entry.path, digest);
  }
  meter.finish();
  const remoteHashes = parseHashLines(
    await reader.rest(files.length * 4096 + 65536),
    files.map((file) => file.path),
  );
  for (const [index, file] of files.entries()) {
    const local = await localHashes.get(file.path)!.catch((error: Error) => {
      throw new OffloadError("transfer-failed", `cannot hash the received ${JSON.stringify(file.path)}: ${error.message}`);
    });
    if (remoteHashes[index] !== local) {
      throw new OffloadError(
        "output-corrupt",
        `output ${JSON.stringify(file.path)} does not match the remote's SHA-256 (remote ${remoteHashes[index]}, received ${local})`,
      );
    }
  }
  // Links last, so nothing above could have been written through one.
  for (const entry of entries) {
    if (entry.type !== "symlink") continue;
    try {
      symlinkSync(entry.target, join(stagingDir, entry.path));
    } catch (error) {
      throw localWriteFailed(entry.path, error);
    }
  }
  return { entries, bytes, skipped };
}

/** mkdir -p in the staging directory; a failure is a local one (`local-write-failed`). */
function makeDirectory(path: string, what: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw localWriteFailed(what, error);
  }
}
