/**
 * SHA-256 of files on a worker thread, so hashing big inputs and outputs
 * does not compete with SSH encryption on the main thread. Files can be
 * hashed whole, or incrementally as they are written (a download appends,
 * then asks the worker to hash the new range, which the page cache still
 * holds). One worker per process, started on first use and never keeping
 * the process alive.
 *
 * @example
 * import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { hashFileOffThread, IncrementalFileHash } from "./hash-worker.ts";
 * const dir = mkdtempSync(join(tmpdir(), "offload-hash-"));
 * writeFileSync(join(dir, "whole"), "hello\n");
 * const whole = await hashFileOffThread(join(dir, "whole"));
 * // a file hashed as it is written, as a download does
 * const hash = new IncrementalFileHash(join(dir, "growing"));
 * writeFileSync(join(dir, "growing"), "hel");
 * hash.advance(3);
 * appendFileSync(join(dir, "growing"), "lo\n");
 * const grown = await hash.digest(6);
 * rmSync(dir, { recursive: true });
 * whole; // "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
 * grown === whole; // true
 */
import { Worker } from "node:worker_threads";

// Plain JavaScript, evaluated in the worker: no loader or bundler needed there.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { openSync, readSync, closeSync } = require("node:fs");
const states = new Map();
const buffer = Buffer.allocUnsafe(4 << 20);
function hashRange(hash, file, start, end) {
  const fd = openSync(file, "r");
  try {
    let position = start;
    while (end === null || position < end) {
      const want = end === null ? buffer.length : Math.min(buffer.length, end - position);
      const read = readSync(fd, buffer, 0, want, position);
      if (read === 0) {
        if (end !== null) throw new Error("file shorter than expected: " + file);
        break;
      }
      hash.update(buffer.subarray(0, read));
      position += read;
    }
  } finally {
    closeSync(fd);
  }
}
parentPort.on("message", (m) => {
  try {
    if (m.type === "file") {
      const hash = createHash("sha256");
      hashRange(hash, m.file, 0, null);
      parentPort.postMessage({ id: m.id, digest: hash.digest("hex") });
    } else if (m.type === "update") {
      let state = states.get(m.id);
      if (!state) states.set(m.id, (state = { hash: createHash("sha256"), error: null }));
      if (state.error === null) {
        try {
          hashRange(state.hash, m.file, m.start, m.end);
        } catch (error) {
          state.error = String(error && error.message || error);
        }
      }
    } else if (m.type === "digest") {
      const state = states.get(m.id) || { hash: createHash("sha256"), error: null };
      states.delete(m.id);
      if (state.error !== null) parentPort.postMessage({ id: m.id, error: state.error });
      else parentPort.postMessage({ id: m.id, digest: state.hash.digest("hex") });
    } else if (m.type === "drop") {
      states.delete(m.id);
    }
  } catch (error) {
    states.delete(m.id);
    parentPort.postMessage({ id: m.id, error: String(error && error.message || error) });
  }
});
`;

/** Hash in steps of at least this many bytes. */
const ADVANCE_BATCH_BYTES = 8 << 20;

/**
 * Files at least this big are hashed on the worker thread, smaller ones on
 * the main thread. Not below {@link IncrementalFileHash}'s step: a download
 * hashed there must be hashed while it streams, not in one go at its end.
 */
export const OFF_THREAD_HASH_BYTES = ADVANCE_BATCH_BYTES;

type Message =
  | { type: "file"; id: number; file: string }
  | { type: "update"; id: number; file: string; start: number; end: number }
  | { type: "digest"; id: number }
  | { type: "drop"; id: number };

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (digest: string) => void; reject: (error: Error) => void }>();

function send(message: Message): void {
  if (worker === null) {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on("message", (reply: { id: number; digest?: string; error?: string }) => {
      const pending = waiting.get(reply.id);
      if (pending === undefined) return;
      waiting.delete(reply.id);
      if (reply.error !== undefined) pending.reject(new Error(reply.error));
      else pending.resolve(reply.digest!);
      if (waiting.size === 0) worker?.unref();
    });
    worker.on("error", (error) => {
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
      worker = null;
    });
    // After the listeners: adding a "message" listener refs the worker's port again.
    worker.unref();
  }
  worker.postMessage(message);
}

function expectReply(id: number): Promise<string> {
  // Keep the process alive while an answer is due.
  worker?.ref();
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

/**
 * SHA-256 (hex) of a whole file, computed on the worker thread.
 *
 * @example
 * import { createHash } from "node:crypto";
 * import { readFileSync } from "node:fs";
 * (await hashFileOffThread("/etc/passwd")) === createHash("sha256").update(readFileSync("/etc/passwd")).digest("hex"); // true
 */
export function hashFileOffThread(file: string): Promise<string> {
  const id = nextId++;
  send({ type: "file", id, file });
  return expectReply(id);
}

/** The hash of a file being appended to, computed on the worker as it grows. */
export class IncrementalFileHash {
  private readonly id = nextId++;
  private hashedTo = 0;
  private finished = false;

  constructor(private readonly file: string) {}

  /**
   * The file now holds at least `length` bytes on disk: hash up to there.
   *
   * @example
   * hash.advance(4096);     // nothing yet: the worker hashes in steps of 8 MiB
   * hash.advance(16 << 20); // the first 16 MiB go to the worker
   */
  advance(length: number): void {
    // Batches of several MiB: one message per batch, not per write.
    if (this.finished || length - this.hashedTo < ADVANCE_BATCH_BYTES) return;
    send({ type: "update", id: this.id, file: this.file, start: this.hashedTo, end: length });
    this.hashedTo = length;
  }

  /**
   * The digest of the first `length` bytes (hashing what is left first).
   */
  digest(length: number = this.hashedTo): Promise<string> {
    if (!this.finished && length > this.hashedTo) {
      send({ type: "update", id: this.id, file: this.file, start: this.hashedTo, end: length });
      this.hashedTo = length;
    }
    this.finished = true;
    send({ type: "digest", id: this.id });
    return expectReply(this.id);
  }

  /** Forget the hash (the download failed). */
  drop(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.hashedTo > 0) send({ type: "drop", id: this.id });
  }
}
