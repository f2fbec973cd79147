/**
 * The daemon's serialisation (nix/libutil/serialise.cc): unsigned 64-bit
 * little-endian integers; byte strings as their length, the bytes, and zero
 * padding to a multiple of 8; lists as a count followed by the strings. NARs
 * and export streams use the same encoding.
 *
 * @example
 * new WireWriter().int(26).string("abc").toBuffer().toString("hex");
 * // "1a00000000000000" + "0300000000000000" + "6162630000000000"
 */
import { StoreError } from "./errors.ts";

/** Eight zero bytes, the longest padding there is. */
const ZEROS = Buffer.alloc(8);

/**
 * How many padding bytes follow a string of `length` bytes.
 *
 * @example
 * paddingLength(5); // 3
 */
export function paddingLength(length: number): number {
  const rest = length % 8;
  return rest === 0 ? 0 : 8 - rest;
}

/**
 * The padding after a string of `length` bytes (a view of shared zeros: do not modify).
 *
 * @example
 * padding(13).length; // 3
 */
export function padding(length: number): Buffer {
  return ZEROS.subarray(0, paddingLength(length));
}

/**
 * An unsigned integer as 8 little-endian bytes.
 *
 * @example
 * encodeInt(258).toString("hex"); // "0201000000000000"
 */
export function encodeInt(value: number | bigint): Buffer {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeBigUInt64LE(checkedU64(value));
  return buffer;
}

function checkedU64(value: number | bigint): bigint {
  const big = typeof value === "bigint" ? value : Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : -1n;
  if (big < 0n || big > 0xffff_ffff_ffff_ffffn) throw new StoreError("invalid-argument", `not an unsigned 64-bit integer: ${String(value)}`);
  return big;
}

/**
 * A string's bytes: strings are UTF-8, Buffers are taken as they are (file names stay bytes).
 *
 * @example
 * bytesOf("é").toString("hex"); // "c3a9"
 * bytesOf(Buffer.from([0xff])).toString("hex"); // "ff"
 */
export function bytesOf(value: string | Uint8Array): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * A byte string as the daemon writes it: length, bytes, padding.
 *
 * @example
 * encodeString("(").length; // 16
 */
export function encodeString(value: string | Uint8Array): Buffer {
  const bytes = bytesOf(value);
  const out = Buffer.alloc(8 + bytes.length + paddingLength(bytes.length));
  out.writeBigUInt64LE(BigInt(bytes.length));
  bytes.copy(out, 8);
  return out;
}

/**
 * Accumulates protocol values and joins them into one buffer, so a request
 * goes out in one write.
 *
 * @example
 * import { Op } from "./protocol.ts";
 * // QueryValidPaths with one path: the operation, the count, the padded path
 * const request = new WireWriter().int(Op.QueryValidPaths).strings(["/gnu/store/a-x"]).toBuffer();
 * request.length; // 40
 */
export class WireWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  /** Appends raw bytes. */
  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }

  /** Appends an unsigned 64-bit integer. */
  int(value: number | bigint): this {
    return this.raw(encodeInt(value));
  }

  /** Appends 1 for true, 0 for false. */
  bool(value: boolean): this {
    return this.int(value ? 1 : 0);
  }

  /** Appends a padded byte string. */
  string(value: string | Uint8Array): this {
    return this.raw(encodeString(value));
  }

  /** Appends a count and the strings. */
  strings(values: ReadonlyArray<string | Uint8Array>): this {
    this.int(values.length);
    for (const value of values) this.string(value);
    return this;
  }

  /** Appends a count and the pairs, each as two strings. */
  pairs(values: ReadonlyArray<readonly [string, string]>): this {
    this.int(values.length);
    for (const [key, value] of values) this.string(key).string(value);
    return this;
  }

  /** The number of bytes appended so far. */
  get length(): number {
    return this.size;
  }

  /** Everything appended, as one buffer. */
  toBuffer(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
  }
}
