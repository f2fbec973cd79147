/**
 * Restoring a NAR into a directory tree, as `nix-store --restore` and the
 * daemon's `restorePath` do, but all or nothing: the tree is built in a
 * temporary sibling of the target and renamed into place only once the whole
 * archive has been read and checked; on any failure the temporary tree is
 * removed and the target never appears.
 *
 * The parser refuses every name that could escape the target (`..`, `/`,
 * NUL, duplicates, unsorted entries), and files are created with O_EXCL and
 * O_NOFOLLOW, so nothing is ever written outside the target, not even through
 * a symlink the same archive created earlier.
 *
 * Two permission styles: `nix-store --restore`'s (files 0666 and directories
 * 0777 less the umask, executables +x, current times) for the command line,
 * and the store's canonical form (0444/0555, directories 0555, every mtime 1)
 * for store items.
 *
 * @example
 * import { lstatSync, mkdtempSync, readFileSync, readlinkSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * const tokens = ["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "hello", "node", "(", "type", "regular", "executable", "", "contents", "echo hi\n", ")", ")", "entry", "(", "name", "link", "node", "(", "type", "symlink", "target", "hello", ")", ")", ")"];
 * const nar = Buffer.concat(tokens.map((token) => encodeString(token)));
 * const scratch = mkdtempSync(join(tmpdir(), "offload-restore-"));
 * const target = join(scratch, "tree");
 * const { size } = await restoreNar(ByteReader.fromBuffer(nar), target, { permissions: "store" });
 * const hello = lstatSync(join(target, "hello"));
 * const restored = [readFileSync(join(target, "hello"), "utf8"), (hello.mode & 0o777).toString(8), hello.mtimeMs, readlinkSync(join(target, "link"))];
 * removeTree(scratch);
 * size; // 512
 * // the store's canonical form: read-only, executable kept, every mtime 1 s
 * restored; // ["echo hi\n", "555", 1000, "hello"]
 */
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  futimesSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  utimesSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { DEFAULT_NAR_LIMITS, describeName, parseNar, type NarLimits, type NarPath, type NarSink } from "./nar-parser.ts";
import type { NarDigest } from "./nar-writer.ts";

/** How restored files get their permissions and times. */
export type PermissionStyle = "umask" | "store";

/** Options for {@link restoreNar}. */
export interface RestoreOptions {
  /** `umask` (default, like nix-store --restore) or `store` (canonical 0444/0555, mtime 1). */
  permissions?: PermissionStyle;
  /** Refuse the archive if anything follows it on the stream (for whole files). */
  expectEnd?: boolean;
  /** Limits on nesting and name lengths. */
  limits?: NarLimits;
  /** Called once the tree is complete and before it is renamed into place; throwing refuses it. */
  beforeCommit?: (temporaryPath: string) => void | Promise<void>;
}

/** The store's timestamp for every file (one second into the epoch). */
const STORE_MTIME = 1;

function fsError(what: string, path: string | Buffer, error: unknown): StoreError {
  const shown = typeof path === "string" ? path : describeName(path);
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError("file-system", `${what} \`${shown}': ${detail}`, { cause: error });
}

/** Writes what the parser reports under `root`. */
class DiskSink implements NarSink {
  private fd: number | null = null;
  private filePath: Buffer | null = null;
  private readonly rootBytes: Buffer;

  constructor(
    root: string,
    private readonly style: PermissionStyle,
  ) {
    this.rootBytes = Buffer.from(root);
  }

  private pathOf(path: NarPath): Buffer {
    if (path.length === 0) return this.rootBytes;
    const parts: Buffer[] = [this.rootBytes];
    for (const name of path) parts.push(Buffer.from("/"), name);
    return Buffer.concat(parts);
  }

  directory(path: NarPath): void {
    const target = this.pathOf(path);
    try {
      // Writable while it is being filled; the store style seals it in directoryEnd.
      mkdirSync(target, 0o777);
    } catch (error) {
      throw fsError("creating directory", target, error);
    }
  }

  directoryEnd(path: NarPath): void {
    if (this.style !== "store") return;
    const target = this.pathOf(path);
    try {
      chmodSync(target, 0o555);
      utimesSync(target, STORE_MTIME, STORE_MTIME);
    } catch (error) {
      throw fsError("setting attributes of directory", target, error);
    }
  }

  fileStart(path: NarPath, executable: boolean, _size: number): void {
    const target = this.pathOf(path);
    const mode = this.style === "store" ? (executable ? 0o555 : 0o444) : 0o666;
    try {
      this.fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
      this.filePath = target;
      if (executable && this.style === "umask") fchmodSync(this.fd, (fstatSync(this.fd).mode & 0o7777) | 0o111);
    } catch (error) {
      throw fsError("creating file", target, error);
    }
  }

  fileChunk(chunk: Buffer): void {
    let offset = 0;
    try {
      while (offset < chunk.length) offset += writeSync(this.fd!, chunk, offset, chunk.length - offset);
    } catch (error) {
      throw fsError("writing file", this.filePath!, error);
    }
  }

  fileEnd(): void {
    const fd = this.fd!;
    this.fd = null;
    try {
      if (this.style === "store") futimesSync(fd, STORE_MTIME, STORE_MTIME);
    } catch (error) {
      throw fsError("setting attributes of file", this.filePath!, error);
    } finally {
      closeSync(fd);
    }
  }

  symlink(path: NarPath, target: Buffer): void {
    const link = this.pathOf(path);
    try {
      symlinkSync(target, link);
      if (this.style === "store") lutimesSync(link, STORE_MTIME, STORE_MTIME);
    } catch (error) {
      throw fsError("creating symbolic link", link, error);
    }
  }

  /** Closes a file left open by a failure. */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Removes a tree, making read-only directories writable first (store-style
 * trees are sealed 0555). Bounded by the tree itself; never follows symlinks.
 *
 * @example
 * import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const scratch = mkdtempSync(join(tmpdir(), "offload-remove-"));
 * mkdirSync(join(scratch, "sealed"));
 * writeFileSync(join(scratch, "sealed", "file"), "x");
 * chmodSync(join(scratch, "sealed"), 0o555);
 * removeTree(scratch);
 * existsSync(scratch); // false
 */
export function removeTree(path: string | Buffer): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!stats.isDirectory()) {
    unlinkSync(path);
    return;
  }
  // Iterative, like the parser: a deep tree cannot exhaust the call stack.
  const base = typeof path === "string" ? Buffer.from(path) : path;
  const stack: Array<{ dir: Buffer; names: Buffer[] | null }> = [{ dir: base, names: null }];
  while (stack.length > 0) {
    const top = stack.at(-1)!;
    if (top.names === null) {
      chmodSync(top.dir, 0o700);
      top.names = readdirSync(top.dir, { encoding: "buffer" });
    }
    const name = top.names.pop();
    if (name === undefined) {
      rmdirSync(top.dir);
      stack.pop();
      continue;
    }
    const child = Buffer.concat([top.dir, Buffer.from("/"), name]);
    if (lstatSync(child).isDirectory()) stack.push({ dir: child, names: null });
    else unlinkSync(child);
  }
}

/**
 * A fresh name next to `target` for building it before the rename.
 *
 * @example
 * // hidden, beside the target (so the final rename stays on one file system), random
 * temporarySibling("/gnu/store/abc-x").replace(/[0-9a-f]{8}$/, "XXXXXXXX"); // "/gnu/store/.abc-x.restore-XXXXXXXX"
 */
export function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.restore-${randomBytes(4).toString("hex")}`);
}

function assertAbsent(target: string): void {
  try {
    lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw fsError("getting attributes of path", target, error);
  }
  throw new StoreError("file-system", `path \`${target}' already exists`);
}

/**
 * Restores the NAR read from `reader` as `target`, which must not exist.
 * Resolves to the archive's SHA-256 and size (computed from the bytes read),
 * or only its size with `{ hash: false }` (the SHA-256 costs more than the
 * restore itself).
 *
 * @example
 * import { mkdtempSync, readdirSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * const nar = Buffer.concat(["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", "(", "type", "regular", "contents", "x", ")", ")", ")"].map((token) => encodeString(token)));
 * const scratch = mkdtempSync(join(tmpdir(), "offload-restore-"));
 * // cut short after the first file: nothing at all appears
 * await restoreNar(ByteReader.fromBuffer(nar.subarray(0, nar.length - 16)), join(scratch, "tree")).catch((error) => error.message); // "unexpected end of input"
 * readdirSync(scratch); // []
 * rmSync(scratch, { recursive: true });
 */
export async function restoreNar(reader: ByteReader, target: string, options?: RestoreOptions): Promise<NarDigest>;
export async function restoreNar(reader: ByteReader, target: string, options: RestoreOptions & { hash: false }): Promise<{ size: number }>;
export async function restoreNar(reader: ByteReader, target: string, options: RestoreOptions & { hash?: boolean } = {}): Promise<NarDigest | { size: number }> {
  assertAbsent(target);
  const temporary = temporarySibling(target);
  const sink = new DiskSink(temporary, options.permissions ?? "umask");
  const hash = options.hash === false ? null : createHash("sha256");
  const start = reader.position;
  const previousTap = reader.tap;
  if (hash !== null) {
    reader.tap = (bytes) => {
      hash.update(bytes);
      previousTap?.(bytes);
    };
  }
  try {
    await parseNar(reader, sink, options.limits ?? DEFAULT_NAR_LIMITS);
    reader.tap = previousTap;
    if (options.expectEnd === true && !(await reader.atEnd())) {
      throw new StoreError("nar-format", "bad archive: unexpected data after the end of the archive");
    }
    await options.beforeCommit?.(temporary);
    assertAbsent(target);
    try {
      renameSync(temporary, target);
    } catch (error) {
      throw fsError("moving restored tree to", target, error);
    }
  } catch (error) {
    reader.tap = previousTap;
    sink.abandon();
    try {
      removeTree(temporary);
    } catch {
      // The failure that stopped the restore is the one worth reporting.
    }
    throw error;
  }
  const size = reader.position - start;
  return hash === null ? { size } : { hash: hash.digest(), size };
}
