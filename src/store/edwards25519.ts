/**
 * ECDSA over the Edwards25519 curve, which is what Guix signatures are.
 *
 * `guix archive --generate-key` asks libgcrypt for
 * `(genkey (ecdsa (curve Ed25519) (flags rfc6979)))`: an Ed25519 *curve* key
 * used with the *ECDSA* algorithm, not EdDSA. Signatures are
 * `(sig-val (ecdsa (r …) (s …)))` where r is the affine x coordinate of kG
 * modulo the group order n, s = k⁻¹(e + r·d) mod n, e is the SHA-256 hash
 * shifted right to n's 253 bits, and k comes from RFC 6979 with HMAC-SHA-256
 * (so signing is deterministic: the same key and hash always give the same
 * bytes, as libgcrypt does). Public keys are stored in the EdDSA encoding
 * (32 bytes, little-endian y with x's parity in the top bit).
 *
 * Node's crypto offers Ed25519 only as EdDSA, which cannot check these
 * signatures, hence this small implementation with BigInt arithmetic in
 * extended coordinates. It is not constant-time: verification handles only
 * public data; signing is for tests and tools, never for a daemon's key on a
 * shared machine.
 *
 * @example
 * import { createHash } from "node:crypto";
 * const hash = createHash("sha256").update("an exported item").digest();
 * const d = generateScalar();
 * const q = publicPoint(d);
 * const { r, s } = ecdsaSign(d, hash);
 * ecdsaVerify(q, hash, r, s); // true
 * ecdsaVerify(q, createHash("sha256").update("another item").digest(), r, s); // false
 */
import { createHmac, randomBytes } from "node:crypto";
import { StoreError } from "./errors.ts";

/** The field prime 2^255 - 19. */
const P = (1n << 255n) - 19n;
/** The order of the base point. */
export const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;
/** Bits in the group order (what the hash is truncated to). */
const ORDER_BITS = 253;

function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r >= 0n ? r : r + m;
}

function power(base: bigint, exponent: bigint, m: bigint = P): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

function invert(a: bigint, m: bigint = P): bigint {
  return power(a, m - 2n, m);
}

const D = mod(-121665n * invert(121666n));
const D2 = mod(2n * D);
const SQRT_MINUS_ONE = power(2n, (P - 1n) / 4n);

/** A point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z. */
interface Point {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}

const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n };

function add(a: Point, b: Point): Point {
  const A = mod((a.Y - a.X) * (b.Y - b.X));
  const B = mod((a.Y + a.X) * (b.Y + b.X));
  const C = mod(a.T * D2 * b.T);
  const Dd = mod(a.Z * 2n * b.Z);
  const E = B - A;
  const F = Dd - C;
  const G = Dd + C;
  const H = B + A;
  return { X: mod(E * F), Y: mod(G * H), Z: mod(F * G), T: mod(E * H) };
}

function double(a: Point): Point {
  const A = mod(a.X * a.X);
  const B = mod(a.Y * a.Y);
  const C = mod(2n * a.Z * a.Z);
  const H = A + B;
  const E = H - mod((a.X + a.Y) * (a.X + a.Y));
  const G = A - B;
  const F = C + G;
  return { X: mod(E * F), Y: mod(G * H), Z: mod(F * G), T: mod(E * H) };
}

function multiply(k: bigint, point: Point): Point {
  let result = IDENTITY;
  let addend = point;
  let e = k;
  while (e > 0n) {
    if (e & 1n) result = add(result, addend);
    addend = double(addend);
    e >>= 1n;
  }
  return result;
}

function affine(point: Point): { x: bigint; y: bigint } {
  const zInverse = invert(point.Z);
  return { x: mod(point.X * zInverse), y: mod(point.Y * zInverse) };
}

function recoverX(y: bigint, odd: boolean): bigint | null {
  if (y >= P) return null;
  const xx = mod((y * y - 1n) * invert(D * y * y + 1n));
  let x = power(xx, (P + 3n) / 8n);
  if (mod(x * x - xx) !== 0n) x = mod(x * SQRT_MINUS_ONE);
  if (mod(x * x - xx) !== 0n) return null;
  if (x === 0n && odd) return null;
  if ((x & 1n) !== (odd ? 1n : 0n)) x = P - x;
  return x;
}

const BASE_Y = mod(4n * invert(5n));
const BASE: Point = (() => {
  const x = recoverX(BASE_Y, false)!;
  return { X: x, Y: BASE_Y, Z: 1n, T: mod(x * BASE_Y) };
})();

/**
 * An unsigned big-endian integer.
 *
 * @example
 * bytesToBigint(Buffer.from([1, 0])); // 256n
 */
export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

/**
 * An unsigned integer as big-endian bytes: exactly `length` bytes, or the
 * fewest bytes (libgcrypt's unsigned MPI format) when `length` is omitted.
 *
 * @example
 * bigintToBytes(256n).toString("hex"); // "0100"
 * bigintToBytes(256n, 4).toString("hex"); // "00000100"
 */
export function bigintToBytes(value: bigint, length?: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const minimal = value === 0n ? Buffer.alloc(0) : Buffer.from(hex, "hex");
  if (length === undefined) return minimal;
  if (minimal.length > length) throw new StoreError("invalid-argument", `integer does not fit in ${length} bytes`);
  return Buffer.concat([Buffer.alloc(length - minimal.length), minimal]);
}

/**
 * Decodes a public key `q` as libgcrypt stores it for Ed25519: 32 bytes
 * (EdDSA encoding), optionally with libgcrypt's 0x40 prefix. Null if it is
 * not a point of the curve.
 */
function decodePoint(encoded: Uint8Array): Point | null {
  let bytes = Buffer.from(encoded);
  if (bytes.length === 33 && bytes[0] === 0x40) bytes = bytes.subarray(1);
  if (bytes.length !== 32) return null;
  const little = Buffer.from(bytes).reverse();
  const odd = (little[0]! & 0x80) !== 0;
  little[0]! &= 0x7f;
  const y = bytesToBigint(little);
  const x = recoverX(y, odd);
  if (x === null) return null;
  return { X: x, Y: y, Z: 1n, T: mod(x * y) };
}

/**
 * True if `encoded` is a valid public key (a point of the curve).
 *
 * @example
 * isValidPublicPoint(publicPoint(generateScalar())); // true
 * // y = 2 is not the y of any point of the curve
 * isValidPublicPoint(Buffer.concat([Buffer.from([2]), Buffer.alloc(31)])); // false
 */
export function isValidPublicPoint(encoded: Uint8Array): boolean {
  return decodePoint(encoded) !== null;
}

function encodePoint(point: Point): Buffer {
  const { x, y } = affine(point);
  const out = bigintToBytes(y, 32).reverse();
  if (x & 1n) out[31]! |= 0x80;
  return out;
}

/**
 * A random secret scalar d in [1, n-1].
 *
 * @example
 * const d = generateScalar();
 * d > 0n && d < GROUP_ORDER; // true
 */
export function generateScalar(): bigint {
  // Bounded: each try succeeds with probability about 1/2.
  for (let attempt = 0; attempt < 256; attempt++) {
    const candidate = bytesToBigint(randomBytes(32)) >> 3n;
    if (candidate > 0n && candidate < GROUP_ORDER) return candidate;
  }
  throw new StoreError("invalid-argument", "could not draw a secret scalar");
}

/**
 * The public key q = dG in libgcrypt's Ed25519 encoding (32 bytes).
 *
 * @example
 * // d = 1 gives the base point G (y = 4/5), little-endian
 * publicPoint(1n).toString("hex"); // "5866666666666666666666666666666666666666666666666666666666666666"
 */
export function publicPoint(d: bigint): Buffer {
  if (d <= 0n || d >= GROUP_ORDER) throw new StoreError("invalid-argument", "secret scalar out of range");
  return encodePoint(multiply(d, BASE));
}

/** The hash as an integer of at most 253 bits (libgcrypt's _gcry_dsa_normalize_hash). */
function hashToInteger(hash: Uint8Array): bigint {
  const value = bytesToBigint(hash);
  const bits = hash.length * 8;
  return bits > ORDER_BITS ? value >> BigInt(bits - ORDER_BITS) : value;
}

/** RFC 6979 nonces with HMAC-SHA-256, as libgcrypt's _gcry_dsa_gen_rfc6979_k draws them. */
function* rfc6979Nonces(d: bigint, hash: Uint8Array): Generator<bigint, never, undefined> {
  const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
    const mac = createHmac("sha256", key);
    for (const part of parts) mac.update(part);
    return mac.digest();
  };
  const rlen = Math.ceil(ORDER_BITS / 8);
  const x = bigintToBytes(d, rlen);
  let reduced = hashToInteger(hash);
  if (reduced >= GROUP_ORDER) reduced -= GROUP_ORDER;
  const h = bigintToBytes(reduced, rlen);
  let V: Buffer = Buffer.alloc(32, 1);
  let K: Buffer = Buffer.alloc(32, 0);
  K = hmac(K, V, Buffer.from([0]), x, h);
  V = hmac(K, V);
  K = hmac(K, V, Buffer.from([1]), x, h);
  V = hmac(K, V);
  for (;;) {
    let T: Buffer = Buffer.alloc(0);
    while (T.length * 8 < ORDER_BITS) {
      V = hmac(K, V);
      T = Buffer.concat([T, V]);
    }
    const k = bytesToBigint(T) >> BigInt(T.length * 8 - ORDER_BITS);
    if (k > 0n && k < GROUP_ORDER) yield k;
    K = hmac(K, V, Buffer.from([0]));
    V = hmac(K, V);
  }
}

/**
 * Signs a hash (SHA-256 bytes) with secret scalar d: libgcrypt's ECDSA with
 * RFC 6979 nonces, so the result equals what `guix authenticate` produces.
 *
 * @example
 * import { createHash } from "node:crypto";
 * const hash = createHash("sha256").update("an exported item").digest();
 * // RFC 6979 nonces: the same key and hash always give the same signature
 * const d = generateScalar();
 * const first = ecdsaSign(d, hash);
 * const second = ecdsaSign(d, hash);
 * first.r === second.r && first.s === second.s; // true
 */
export function ecdsaSign(d: bigint, hash: Uint8Array): { r: bigint; s: bigint } {
  if (d <= 0n || d >= GROUP_ORDER) throw new StoreError("invalid-argument", "secret scalar out of range");
  const e = hashToInteger(hash);
  const nonces = rfc6979Nonces(d, hash);
  // Bounded: r or s is zero with negligible probability; libgcrypt retries the same way.
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = nonces.next().value;
    const r = mod(affine(multiply(k, BASE)).x, GROUP_ORDER);
    if (r === 0n) continue;
    const s = mod(invert(k, GROUP_ORDER) * (e + r * d), GROUP_ORDER);
    if (s === 0n) continue;
    return { r, s };
  }
  throw new StoreError("invalid-argument", "could not produce a signature");
}

/**
 * Checks an ECDSA signature (r, s) of `hash` by public key `q`.
 *
 * @example
 * import { createHash } from "node:crypto";
 * const hash = createHash("sha256").update("an exported item").digest();
 * const { r, s } = ecdsaSign(1n, hash);
 * ecdsaVerify(publicPoint(1n), hash, r, s); // true
 * ecdsaVerify(publicPoint(2n), hash, r, s); // false
 * ecdsaVerify(publicPoint(1n), hash, s, r); // false
 */
export function ecdsaVerify(q: Uint8Array, hash: Uint8Array, r: bigint, s: bigint): boolean {
  if (r <= 0n || r >= GROUP_ORDER || s <= 0n || s >= GROUP_ORDER) return false;
  const point = decodePoint(q);
  if (point === null) return false;
  const w = invert(s, GROUP_ORDER);
  const u1 = mod(hashToInteger(hash) * w, GROUP_ORDER);
  const u2 = mod(r * w, GROUP_ORDER);
  const sum = add(multiply(u1, BASE), multiply(u2, point));
  if (sum.Z === 0n) return false;
  return mod(affine(sum).x, GROUP_ORDER) === r;
}
