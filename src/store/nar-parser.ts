/**
 * Reading a NAR (Nix archive) from a stream and reporting what it contains,
 * node by node, to a sink. Only the canonical form that Guix and Nix write is
 * accepted, so restoring and dumping again gives back the same bytes:
 *
 *     nar   = "nix-archive-1" node
 *     node  = "(" "type" ( "regular" ["executable" ""] "contents" SIZE BYTES
 *                        | "symlink" "target" TARGET
 *                        | "directory" { "entry" "(" "name" NAME "node" node ")" } ) ")"
 *
 * Everything else is refused before the sink sees it: names that are empty,
 * `.`, `..`, or contain `/` or NUL; names not in strictly increasing byte
 * order (which also rules out duplicates, so nothing can be written twice or
 * through a symlink written earlier); unknown node types or fields; empty
 * symlink targets; nesting deeper than the limit; truncation.
 *
 * @example
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * // a directory with an executable file and a symlink to it: a NAR is a sequence of strings
 * const tokens = ["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "hello", "node", "(", "type", "regular", "executable", "", "contents", "echo hi\n", ")", ")", "entry", "(", "name", "link", "node", "(", "type", "symlink", "target", "hello", ")", ")", ")"];
 * const nar = Buffer.concat(tokens.map((token) => encodeString(token)));
 * const seen: string[] = [];
 * await parseNar(ByteReader.fromBuffer(nar), {
 *   directory: (path) => void seen.push(`directory /${path.join("/")}`),
 *   fileStart: (path, executable, size) => void seen.push(`file /${path.join("/")} ${executable ? "executable" : "regular"} ${size}`),
 *   fileChunk: () => {},
 *   fileEnd: () => {},
 *   symlink: (path, target) => void seen.push(`symlink /${path.join("/")} -> ${target}`),
 * });
 * seen; // ["directory /", "file /hello executable 8", "symlink /link -> hello"]
 */
import type { ByteReader } from "./byte-reader.ts";
import { StoreError } from "./errors.ts";
import { encodeString, paddingLength } from "./wire.ts";

/** The magic string every NAR starts with. */
export const NAR_VERSION_MAGIC = "nix-archive-1";

/** A node's place in the archive: its names from the root (empty for the root), as bytes. */
export type NarPath = readonly Buffer[];

/** What the parser reports, in archive order. A sink may return a promise to slow the parser down. */
export interface NarSink {
  /** A directory starts; its entries follow until `directoryEnd`. */
  directory(path: NarPath): void | Promise<void>;
  /** The directory's entries are complete. */
  directoryEnd?(path: NarPath): void | Promise<void>;
  /** A regular file of `size` bytes starts; its contents follow in `fileChunk` calls. */
  fileStart(path: NarPath, executable: boolean, size: number): void | Promise<void>;
  /** A piece of the current file's contents. */
  fileChunk(chunk: Buffer): void | Promise<void>;
  /** The current file is complete. */
  fileEnd(): void | Promise<void>;
  /** A symbolic link to `target` (bytes, never decoded). */
  symlink(path: NarPath, target: Buffer): void | Promise<void>;
}

/** Limits on what a NAR may contain. */
export interface NarLimits {
  /** Deepest nesting of directories accepted. */
  maxDepth: number;
  /** Longest file name, in bytes (Linux's NAME_MAX is 255). */
  maxNameLength: number;
  /** Longest symlink target, in bytes (Linux's PATH_MAX is 4096 with its NUL). */
  maxTargetLength: number;
}

/** Linux's own limits. */
export const DEFAULT_NAR_LIMITS: NarLimits = { maxDepth: 1024, maxNameLength: 255, maxTargetLength: 4095 };

/** Longest structural token ("(", "type", "directory", …) worth reading. */
const MAX_TOKEN = 64;

function bad(message: string): StoreError {
  return new StoreError("nar-format", `bad archive: ${message}`);
}

function unsafe(message: string): StoreError {
  return new StoreError("nar-unsafe", message);
}

/**
 * A name for messages: printable bytes as they are, the rest escaped.
 *
 * @example
 * describeName(Buffer.from([0x61, 0xff])); // "a\\xff"
 */
export function describeName(name: Buffer): string {
  let out = "";
  for (const byte of name) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  return out;
}

async function token(reader: ByteReader): Promise<string> {
  return (await reader.readString(MAX_TOKEN)).toString("latin1");
}

async function expectSlow(reader: ByteReader, wanted: string, what: string): Promise<void> {
  const got = await token(reader);
  if (got !== wanted) throw bad(`expected ${what} (\`${wanted}'), got \`${describeName(Buffer.from(got, "latin1"))}'`);
}

// The hot path reads from what is already buffered without a promise per token:
// NARs of many small files are mostly tokens, and promises and their garbage
// would cost more than the system calls that create the files.

/** Encoded tokens, compared byte for byte with the input. */
const ENCODED = Object.fromEntries(
  ["(", ")", "type", "regular", "directory", "symlink", "executable", "", "contents", "target", "entry", "name", "node"].map((t) => [t, encodeString(t)]),
) as Record<string, Buffer>;

/** Consumes the encoded `wanted` token if it is next and buffered; false if not known yet or different. */
function expectNow(reader: ByteReader, wanted: string): boolean {
  const encoded = ENCODED[wanted]!;
  if (reader.available < encoded.length || !reader.startsWithNow(encoded)) return false;
  reader.skipNow(encoded.length);
  return true;
}

async function expect(reader: ByteReader, wanted: string, what: string): Promise<void> {
  if (!expectNow(reader, wanted)) await expectSlow(reader, wanted, what);
}

/** A padded string of at most `max` bytes if it is wholly buffered, else null (the caller reads it the slow way). */
function stringNow(reader: ByteReader, max: number): Buffer | null {
  if (reader.available < 8) return null;
  const length = reader.peekIntNow();
  if (length < 0 || length > max) return null;
  const pad = paddingLength(length);
  if (reader.available < 8 + length + pad) return null;
  reader.skipNow(8);
  const bytes = reader.readExactNow(length);
  if (pad > 0) {
    const zeros = reader.readExactNow(pad);
    for (const byte of zeros) if (byte !== 0) throw bad("non-zero padding");
  }
  return bytes;
}

async function string(reader: ByteReader, max: number): Promise<Buffer> {
  return stringNow(reader, max) ?? (await reader.readString(max));
}

/** Which of `choices` comes next (consumed), or null (nothing consumed) if none or not buffered. */
function oneOfNow(reader: ByteReader, choices: readonly string[]): string | null {
  for (const choice of choices) if (expectNow(reader, choice)) return choice;
  return null;
}

function checkName(name: Buffer, previous: Buffer | null): void {
  const dotOrDotDot = (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);
  if (name.length === 0 || dotOrDotDot || name.includes(0x2f) || name.includes(0)) {
    throw unsafe(`NAR contains invalid file name \`${describeName(name)}'`);
  }
  if (previous !== null && Buffer.compare(name, previous) <= 0) {
    throw unsafe(Buffer.compare(name, previous) === 0 ? `NAR directory contains \`${describeName(name)}' twice` : "NAR directory is not sorted");
  }
}

/** One directory being read: its path and the last entry name seen. */
interface OpenDirectory {
  path: Buffer[];
  previous: Buffer | null;
}

/**
 * Reads one NAR from `reader` and reports it to `sink`. Stops right after the
 * archive's last byte, so what follows (an export's metadata) stays unread.
 *
 * @example
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * // an entry named ".." would escape the target: refused before the sink sees it
 * const tokens = ["nix-archive-1", "(", "type", "directory", "entry", "(", "name", "..", "node", "(", "type", "regular", "contents", "x", ")", ")", ")"];
 * const nar = Buffer.concat(tokens.map((token) => encodeString(token)));
 * await parseNar(ByteReader.fromBuffer(nar), discardingSink()).catch((error) => [error.code, error.message]); // ["nar-unsafe", "NAR contains invalid file name `..'"]
 */
export async function parseNar(reader: ByteReader, sink: NarSink, limits: NarLimits = DEFAULT_NAR_LIMITS): Promise<void> {
  try {
    await parseNodes(reader, sink, limits);
  } catch (error) {
    // The reader's own complaints (oversized lengths, non-zero padding) are archive errors here.
    if (error instanceof StoreError && error.code === "protocol") throw bad(error.message);
    throw error;
  }
}

async function parseNodes(reader: ByteReader, sink: NarSink, limits: NarLimits): Promise<void> {
  let magic: string;
  try {
    magic = (await string(reader, MAX_TOKEN)).toString("latin1");
  } catch (error) {
    if (error instanceof StoreError && error.code === "protocol") magic = "";
    else throw error;
  }
  if (magic !== NAR_VERSION_MAGIC) throw bad("input doesn't look like a normalized archive");

  // An explicit stack instead of recursion: deep archives cannot exhaust the call stack.
  const stack: OpenDirectory[] = [];
  let pending: Buffer[] | null = [];
  for (;;) {
    if (pending !== null) {
      const path = pending;
      pending = null;
      const opened = await readNodeStart(reader, sink, path, limits);
      if (opened !== null) {
        stack.push(opened);
        continue;
      }
    }
    const top = stack.at(-1);
    if (top === undefined) return;
    const next = oneOfNow(reader, ["entry", ")"]) ?? (await token(reader));
    if (next === ")") {
      stack.pop();
      const ended = sink.directoryEnd?.(top.path);
      if (ended !== undefined) await ended;
      if (stack.length > 0) await expect(reader, ")", "end of entry");
      if (stack.length === 0) return;
      continue;
    }
    if (next !== "entry") throw bad(`unknown field ${describeName(Buffer.from(next, "latin1"))}`);
    await expect(reader, "(", "open tag");
    await expect(reader, "name", "entry name");
    const name = await string(reader, limits.maxNameLength);
    checkName(name, top.previous);
    top.previous = name;
    await expect(reader, "node", "entry node");
    if (top.path.length + 1 > limits.maxDepth) throw unsafe(`NAR nesting is deeper than ${limits.maxDepth} directories`);
    pending = [...top.path, name];
  }
}

/** Delivers a file's contents, synchronously when they are all buffered. */
async function contents(reader: ByteReader, sink: NarSink, size: number): Promise<void> {
  if (reader.available >= size) {
    let left = size;
    while (left > 0) {
      const piece = reader.readExactNow(Math.min(left, 1 << 20));
      left -= piece.length;
      const pending = sink.fileChunk(piece);
      if (pending !== undefined) await pending;
    }
    return;
  }
  await reader.stream(size, (chunk) => sink.fileChunk(chunk));
}

/**
 * Reads a node up to its end, except a directory, whose entries the caller
 * reads; returns the opened directory in that case.
 */
async function readNodeStart(reader: ByteReader, sink: NarSink, path: Buffer[], limits: NarLimits): Promise<OpenDirectory | null> {
  await expect(reader, "(", "open tag");
  await expect(reader, "type", "type field");
  const type = oneOfNow(reader, ["regular", "directory", "symlink"]) ?? (await token(reader));
  switch (type) {
    case "regular": {
      let field = oneOfNow(reader, ["contents", "executable"]) ?? (await token(reader));
      let executable = false;
      if (field === "executable") {
        const marker = await string(reader, MAX_TOKEN);
        if (marker.length !== 0) throw bad("unexpected executable file marker");
        executable = true;
        field = oneOfNow(reader, ["contents"]) ?? (await token(reader));
      }
      if (field !== "contents") throw bad(`unknown field ${describeName(Buffer.from(field, "latin1"))}`);
      if (reader.available < 8) await reader.ensure(8);
      const size = reader.readIntNow();
      const started = sink.fileStart(path, executable, size);
      if (started !== undefined) await started;
      await contents(reader, sink, size);
      const pad = paddingLength(size);
      if (pad > 0 && reader.available >= pad) {
        for (const byte of reader.readExactNow(pad)) if (byte !== 0) throw bad("non-zero padding");
      } else if (pad > 0) {
        await reader.readPadding(size);
      }
      const ended = sink.fileEnd();
      if (ended !== undefined) await ended;
      await expect(reader, ")", "close tag");
      if (path.length > 0) await expect(reader, ")", "end of entry");
      return null;
    }
    case "symlink": {
      await expect(reader, "target", "symlink target");
      const target = await string(reader, limits.maxTargetLength);
      if (target.length === 0) throw unsafe("NAR contains a symlink with an empty target");
      if (target.includes(0)) throw unsafe(`NAR contains a symlink target with a NUL byte: \`${describeName(target)}'`);
      const made = sink.symlink(path, target);
      if (made !== undefined) await made;
      await expect(reader, ")", "close tag");
      if (path.length > 0) await expect(reader, ")", "end of entry");
      return null;
    }
    case "directory": {
      const made = sink.directory(path);
      if (made !== undefined) await made;
      return { path, previous: null };
    }
    default:
      throw bad(`unknown file type ${describeName(Buffer.from(type, "latin1"))}`);
  }
}

/**
 * A sink that only checks: parses and discards (for validating a NAR or
 * skipping over it).
 *
 * @example
 * import { ByteReader } from "./byte-reader.ts";
 * import { encodeString } from "./wire.ts";
 * const nar = Buffer.concat(["nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")"].map((token) => encodeString(token)));
 * await parseNar(ByteReader.fromBuffer(nar), discardingSink()); // undefined
 * await parseNar(ByteReader.fromBuffer(nar.subarray(0, 60)), discardingSink()).catch((error) => [error.code, error.message]); // ["nar-format", "unexpected end of input"]
 */
export function discardingSink(): NarSink {
  return { directory() {}, fileStart() {}, fileChunk() {}, fileEnd() {}, symlink() {} };
}
