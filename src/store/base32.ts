/**
 * Nix's base-32 (nix/libutil/hash.cc): the alphabet without e, o, u, t, and
 * the bits taken from the end of the hash, so it is not RFC 4648. Store path
 * hash parts and `sha256:…` NAR hashes in narinfos use it.
 *
 * @example
 * import { createHash } from "node:crypto";
 * // the hash part of a store path: 20 bytes, 32 digits
 * toNixBase32(Buffer.alloc(20)); // "00000000000000000000000000000000"
 * toNixBase32(createHash("sha256").update("").digest()); // "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
 */
import { StoreError } from "./errors.ts";

/** The 32 digits, in order. */
const NIX_BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

/**
 * The length of the base-32 form of `byteLength` bytes.
 *
 * @example
 * nixBase32Length(20); // 32
 */
export function nixBase32Length(byteLength: number): number {
  return Math.floor((byteLength * 8 - 1) / 5) + 1;
}

/**
 * Encodes bytes as Nix base-32.
 *
 * @example
 * // the first byte ends up in the last digit
 * toNixBase32(Buffer.from([1, 0, 0, 0, 0])); // "00000001"
 */
export function toNixBase32(bytes: Uint8Array): string {
  const length = nixBase32Length(bytes.length);
  let out = "";
  for (let n = length - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    const low = bytes[i]! >> j;
    const high = i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0;
    out += NIX_BASE32_ALPHABET[(low | high) & 0x1f];
  }
  return out;
}

/**
 * Decodes Nix base-32 into `byteLength` bytes.
 *
 * @example
 * fromNixBase32("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", 32).toString("hex");
 * // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export function fromNixBase32(text: string, byteLength: number): Buffer {
  if (text.length !== nixBase32Length(byteLength)) {
    throw new StoreError("invalid-argument", `invalid base-32 hash '${text}': ${text.length} characters, expected ${nixBase32Length(byteLength)}`);
  }
  const out = Buffer.alloc(byteLength);
  for (let n = 0; n < text.length; n++) {
    const digit = NIX_BASE32_ALPHABET.indexOf(text[text.length - n - 1]!);
    if (digit < 0) throw new StoreError("invalid-argument", `invalid base-32 hash '${text}'`);
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    out[i]! |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i + 1 < byteLength) out[i + 1]! |= carry;
    else if (carry !== 0) throw new StoreError("invalid-argument", `invalid base-32 hash '${text}': too many bits`);
  }
  return out;
}
