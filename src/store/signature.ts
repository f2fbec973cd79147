/**
 * Signatures of exported store items, as `guix authenticate` makes and checks
 * them for the daemon:
 *
 *     (signature (data (flags rfc6979) (hash sha256 #HASH#))
 *                (sig-val (ecdsa (r #…#) (s #…#)))
 *                (public-key (ecc (curve Ed25519) (q #…#))))
 *
 * printed the way libgcrypt prints S-expressions. The hash is the SHA-256 of
 * the exported item's bytes up to its signature flag.
 *
 * Checking follows the daemon's order (guix/scripts/authenticate.scm, then
 * LocalStore::importPath): a signature lacking its data or public key is
 * corrupt; a key not in the ACL is unauthorized; then the signature itself is
 * checked; then the signed hash must equal the actual one. Messages are the
 * daemon's, byte for byte as recorded from a real one (`guix authenticate`
 * ends each with the printed S-expression's newline and one of its own);
 * each error also carries Guix's Scheme wording (guix/nar.scm).
 *
 * @example
 * import { createHash } from "node:crypto";
 * import { aclText, generateSigningKeyPair, parseAcl } from "./keys.ts";
 * const pair = generateSigningKeyPair();
 * const acl = parseAcl(aclText([pair.publicKey]));
 * const hash = createHash("sha256").update("the item's bytes").digest();
 * const text = signHash(hash, pair.secretKey);
 * checkSignature(text, hash, acl); // undefined
 * // the signature is good, but for other contents
 * let failure = "";
 * try {
 *   checkSignature(text, createHash("sha256").update("other bytes").digest(), acl);
 * } catch (error) {
 *   failure = (error as SignatureError).failure;
 * }
 * failure; // "hash-mismatch"
 */
import { bigintToBytes, bytesToBigint, ecdsaSign, ecdsaVerify } from "./edwards25519.ts";
import { SignatureError, StoreError } from "./errors.ts";
import { isAuthorized, type Acl, type SecretKey, type PublicKey } from "./keys.ts";
import { atom, findToken, parseSexp, printSexp, type Sexp } from "./sexp.ts";
import { createPublicKey, verify as verifyEdDsa } from "node:crypto";

/**
 * Signs `hash` (32 bytes of SHA-256) with `secretKey`; the signature embeds
 * `publicKey` (by default the one derived from the secret key; the daemon
 * embeds the contents of signing-key.pub). Returns the signature's text.
 *
 * @example
 * import { parseSecretKey } from "./keys.ts";
 * // d = 2, a key nobody should use, so that the text is fixed (RFC 6979 signing is deterministic)
 * const key = parseSecretKey("(private-key (ecc (curve Ed25519) (q #C9A3F86AAE465F0E56513864510F3997561FA2C9E85EA21DC2292309F3CD6022#) (d #02#)))");
 * signHash(Buffer.alloc(32), key).split("\n");
 * // ["(signature ", " (data ", "  (flags rfc6979)", "  (hash sha256 #0000000000000000000000000000000000000000000000000000000000000000#)", "  )",
 * //  " (sig-val ", "  (ecdsa ", "   (r #04865557F41BEA3398154DB449C88E486B6CC225987D41029ED141832410C141#)",
 * //  "   (s #031ABD5910A53AE8B1657A89E65BF25F59A75EBEA24E9951D49A4F6EBA4298A3#)", "   )", "  )",
 * //  " (public-key ", "  (ecc ", "   (curve Ed25519)", "   (q #C9A3F86AAE465F0E56513864510F3997561FA2C9E85EA21DC2292309F3CD6022#)", "   )", "  )",
 * //  " )", ""]
 */
export function signHash(hash: Uint8Array, secretKey: SecretKey, publicKey: PublicKey = secretKey.publicKey): string {
  if (hash.length !== 32) throw new StoreError("invalid-argument", `a SHA-256 hash has 32 bytes, not ${hash.length}`);
  const { r, s } = ecdsaSign(secretKey.d, hash);
  const data: Sexp = [atom("data"), [atom("flags"), atom("rfc6979")], [atom("hash"), atom("sha256"), Buffer.from(hash)]];
  const sigVal: Sexp = [atom("sig-val"), [atom("ecdsa"), [atom("r"), bigintToBytes(r)], [atom("s"), bigintToBytes(s)]]];
  return printSexp([atom("signature"), data, sigVal, publicKey.sexp]);
}

/** Printed S-expression, for messages (libgcrypt's text, as Guix shows it). */
function shown(sexp: Sexp): string {
  return printSexp(sexp);
}

function atomAfter(list: readonly Sexp[] | null, index: number): Buffer | null {
  const value = list?.[index];
  return value !== undefined && Buffer.isBuffer(value) ? value : null;
}

/** True if the `(sig-val …)` is a valid signature of the data by the key. */
function validSignature(data: readonly Sexp[], sigVal: readonly Sexp[] | null, publicKey: readonly Sexp[]): boolean {
  if (sigVal === null) return false;
  if (findToken(sigVal, "rsa") !== null || findToken(sigVal, "dsa") !== null || findToken(publicKey, "rsa") !== null) {
    throw new StoreError(
      "unsupported-key",
      "the signature was made with an RSA or DSA key; only Ed25519 keys (what 'guix archive --generate-key' makes) are supported",
    );
  }
  const hash = atomAfter(findToken(data, "hash"), 2);
  const q = atomAfter(findToken(publicKey, "q"), 1);
  const r = atomAfter(findToken(sigVal, "r"), 1);
  const s = atomAfter(findToken(sigVal, "s"), 1);
  if (hash === null || q === null || r === null || s === null) return false;
  if (findToken(sigVal, "ecdsa") !== null) return ecdsaVerify(q, hash, bytesToBigint(r), bytesToBigint(s));
  if (findToken(sigVal, "eddsa") !== null) {
    // A key flagged for EdDSA signs the hash bytes as the message (libgcrypt's eddsa path).
    try {
      const key = createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(q.length === 33 ? q.subarray(1) : q).toString("base64url") },
        format: "jwk",
      });
      return verifyEdDsa(null, hash, key, Buffer.concat([bigintToBytes(bytesToBigint(r), 32), bigintToBytes(bytesToBigint(s), 32)]));
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * What `guix authenticate verify` does: checks that the signature is well
 * formed, that its key is authorized and that it is valid, and returns the
 * hash it signs. Throws SignatureError with the daemon's message otherwise.
 *
 * @example
 * import { aclText, generateSigningKeyPair, parseAcl } from "./keys.ts";
 * const pair = generateSigningKeyPair();
 * const hash = Buffer.alloc(32, 1);
 * verifySignature(signHash(hash, pair.secretKey), parseAcl(aclText([pair.publicKey]))).equals(hash); // true
 * let refusal = "";
 * try {
 *   verifySignature(signHash(hash, pair.secretKey), parseAcl("(acl)"));
 * } catch (error) {
 *   refusal = (error as SignatureError).guixMessage;
 * }
 * refusal; // "unauthorized public key"
 */
export function verifySignature(signature: string | Buffer, acl: Acl): Buffer {
  const raw = typeof signature === "string" ? Buffer.from(signature, "latin1") : signature;
  const rawText = raw.toString("latin1");
  let sexp: Sexp;
  try {
    sexp = parseSexp(raw);
  } catch {
    throw new SignatureError("corrupt-signature", `corrupt signature data: ${rawText}\n`, "signature is not a valid s-expression");
  }
  const subject = findToken(sexp, "public-key");
  const data = findToken(sexp, "data");
  const hash = atomAfter(data === null ? null : findToken(data, "hash"), 2);
  if (subject === null || data === null || hash === null) {
    throw new SignatureError("corrupt-signature", `corrupt signature data: ${shown(sexp)}\n`, "corrupt signature data");
  }
  if (!isAuthorized(subject, acl)) {
    throw new SignatureError("unauthorized-key", `unauthorized public key: ${shown(subject)}\n`, "unauthorized public key");
  }
  if (!validSignature(data, findToken(sexp, "sig-val"), subject)) {
    throw new SignatureError("invalid-signature", `invalid signature: ${shown(sexp)}\n`, "invalid signature");
  }
  return Buffer.from(hash);
}

/** The daemon's message when the signed hash is not the archive's. */
export const HASH_MISMATCH_MESSAGE =
  "signed hash doesn't match actual contents of imported archive; archive could be corrupt, or someone is trying to import a Trojan horse";

/**
 * Checks a store item's signature against the hash of its bytes and the ACL,
 * as the daemon's ImportPaths does; throws SignatureError if refused.
 */
export function checkSignature(signature: string | Buffer, actualHash: Uint8Array, acl: Acl): void {
  const signed = verifySignature(signature, acl);
  if (!signed.equals(Buffer.from(actualHash))) throw new SignatureError("hash-mismatch", HASH_MISMATCH_MESSAGE, "invalid hash");
}

/**
 * The daemon's error for an item without a signature.
 *
 * @example
 * const error = unsignedError("/gnu/store/00000000000000000000000000000000-hello");
 * [error.failure, error.message, error.guixMessage];
 * // ["unsigned", "imported archive of `/gnu/store/00000000000000000000000000000000-hello' lacks a signature", "imported file lacks a signature"]
 */
export function unsignedError(path: string): SignatureError {
  return new SignatureError("unsigned", `imported archive of \`${path}' lacks a signature`, "imported file lacks a signature");
}
