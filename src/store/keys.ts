/**
 * Guix's archive signing keys and ACL, in the files' own format
 * (`/etc/guix/signing-key.pub`, `/etc/guix/signing-key.sec`, `/etc/guix/acl`):
 *
 *     (public-key (ecc (curve Ed25519) (q #…#)))
 *     (private-key (ecc (curve Ed25519) (q #…#) (d #…#)))
 *     (acl (entry (public-key …) (tag (guix import))) …)
 *
 * written the way libgcrypt prints S-expressions. Keys of another kind (RSA
 * from installations before 2014, DSA) are refused with an `unsupported-key`
 * error rather than misread.
 *
 * @example
 * // guix archive --generate-key, then guix archive --authorize on the other machine
 * const pair = generateSigningKeyPair();
 * const acl = parseAcl(aclText([pair.publicKey]));
 * isAuthorized(pair.publicKey.sexp, acl); // true
 * isAuthorized(generateSigningKeyPair().publicKey.sexp, acl); // false
 */
import { bigintToBytes, bytesToBigint, generateScalar, GROUP_ORDER, isValidPublicPoint, publicPoint } from "./edwards25519.ts";
import { StoreError } from "./errors.ts";
import { atom, findToken, parseSexp, printSexp, sexpEqual, type Sexp } from "./sexp.ts";

/** A public key: its S-expression (compared structurally, as Guix does) and its point. */
export interface PublicKey {
  /** The whole `(public-key …)` form, exactly as read. */
  sexp: Sexp;
  /** The point q, as stored. */
  q: Buffer;
}

/** A secret key with the public key it goes with. */
export interface SecretKey {
  /** The whole `(private-key …)` form. */
  sexp: Sexp;
  /** The secret scalar. */
  d: bigint;
  /** The public half, as derived from q in the secret key. */
  publicKey: PublicKey;
}

/** A key pair as `guix archive --generate-key` writes it. */
export interface SigningKeyPair {
  publicKey: PublicKey;
  secretKey: SecretKey;
  /** Contents for signing-key.pub. */
  publicText: string;
  /** Contents for signing-key.sec. */
  secretText: string;
}

function text(node: Sexp | undefined): string | null {
  return node !== undefined && Buffer.isBuffer(node) ? node.toString("latin1") : null;
}

/** The `(ecc …)` body of a key, refusing other algorithms and curves. */
function eccBody(sexp: Sexp, head: "public-key" | "private-key", what: string): readonly Sexp[] {
  if (Buffer.isBuffer(sexp) || text((sexp as readonly Sexp[])[0]) !== head) {
    throw new StoreError("key-format", `${what} is not a (${head} …) S-expression`);
  }
  const body = (sexp as readonly Sexp[])[1];
  const algorithm = body === undefined || Buffer.isBuffer(body) ? null : text((body as readonly Sexp[])[0]);
  if (algorithm === null) throw new StoreError("key-format", `${what} has no algorithm`);
  if (algorithm !== "ecc" && algorithm !== "ecdsa") {
    throw new StoreError(
      "unsupported-key",
      `${what} is an ${algorithm.toUpperCase()} key; only Ed25519 keys (what 'guix archive --generate-key' makes) are supported`,
    );
  }
  const curve = text(findToken(body as Sexp, "curve")?.[1]);
  if (curve !== "Ed25519") {
    throw new StoreError("unsupported-key", `${what} uses curve ${curve ?? "(none)"}; only Ed25519 keys are supported`);
  }
  return body as readonly Sexp[];
}

function atomIn(body: readonly Sexp[], name: string, what: string): Buffer {
  const value = findToken(body, name)?.[1];
  if (value === undefined || !Buffer.isBuffer(value)) throw new StoreError("key-format", `${what} has no (${name} …) value`);
  return value;
}

/**
 * Reads a public key from its S-expression (text or parsed).
 *
 * @example
 * parsePublicKey("(public-key (ecc (curve Ed25519) (q #5866666666666666666666666666666666666666666666666666666666666666#)))").q.length; // 32
 * let message = "";
 * try {
 *   parsePublicKey("(public-key (rsa (n #00C0FFEE#) (e #010001#)))", "/etc/guix/signing-key.pub");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message;
 * // "/etc/guix/signing-key.pub is an RSA key; only Ed25519 keys (what 'guix archive --generate-key' makes) are supported"
 */
export function parsePublicKey(input: string | Buffer | Sexp, what = "public key"): PublicKey {
  const sexp = typeof input === "string" || Buffer.isBuffer(input) ? parseSexp(input) : input;
  const body = eccBody(sexp, "public-key", what);
  const q = atomIn(body, "q", what);
  if (!isValidPublicPoint(q)) throw new StoreError("key-format", `${what} is not a point of the Ed25519 curve`);
  return { sexp, q };
}

/**
 * Reads a secret key (signing-key.sec).
 *
 * @example
 * // d = 1: q must be the base point
 * parseSecretKey("(private-key (ecc (curve Ed25519) (q #5866666666666666666666666666666666666666666666666666666666666666#) (d #01#)))").d; // 1n
 * let message = "";
 * try {
 *   parseSecretKey("(private-key (ecc (curve Ed25519) (q #5866666666666666666666666666666666666666666666666666666666666666#) (d #02#)))");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "secret key does not match its own public point"
 */
export function parseSecretKey(input: string | Buffer, what = "secret key"): SecretKey {
  const sexp = parseSexp(input);
  const body = eccBody(sexp, "private-key", what);
  const q = atomIn(body, "q", what);
  const d = bytesToBigint(atomIn(body, "d", what));
  if (d <= 0n || d >= GROUP_ORDER) throw new StoreError("key-format", `${what} has a secret scalar out of range`);
  if (!publicPoint(d).equals(q.length === 33 ? q.subarray(1) : q)) throw new StoreError("key-format", `${what} does not match its own public point`);
  const publicSexp: Sexp = [atom("public-key"), [atom("ecc"), [atom("curve"), atom("Ed25519")], [atom("q"), q]]];
  return { sexp, d, publicKey: { sexp: publicSexp, q } };
}

/**
 * A fresh key pair, in the files' format.
 *
 * @example
 * const { publicText, secretText } = generateSigningKeyPair();
 * // the files' format: libgcrypt's advanced printing
 * publicText.replace(/#[0-9A-F]+#/, "#…#"); // "(public-key \n (ecc \n  (curve Ed25519)\n  (q #…#)\n  )\n )\n"
 * secretText.replace(/#[0-9A-F]+#/g, "#…#"); // "(private-key \n (ecc \n  (curve Ed25519)\n  (q #…#)\n  (d #…#)\n  )\n )\n"
 */
export function generateSigningKeyPair(): SigningKeyPair {
  const d = generateScalar();
  const q = publicPoint(d);
  const curve: Sexp = [atom("curve"), atom("Ed25519")];
  const publicSexp: Sexp = [atom("public-key"), [atom("ecc"), curve, [atom("q"), q]]];
  // libgcrypt prints d as a signed MPI: a leading zero byte when the top bit is set.
  let dBytes = bigintToBytes(d);
  if (dBytes[0]! & 0x80) dBytes = Buffer.concat([Buffer.alloc(1), dBytes]);
  const secretSexp: Sexp = [atom("private-key"), [atom("ecc"), curve, [atom("q"), q], [atom("d"), dBytes]]];
  const publicKey: PublicKey = { sexp: publicSexp, q };
  return {
    publicKey,
    secretKey: { sexp: secretSexp, d, publicKey },
    publicText: printSexp(publicSexp),
    secretText: printSexp(secretSexp),
  };
}

/** An access-control list: the public keys authorized for imports. */
export interface Acl {
  keys: PublicKey[];
}

/**
 * Reads /etc/guix/acl. Like Guix, refuses any entry that is not
 * `(entry KEY (tag (guix import)))`; keys of unsupported kinds are kept (they
 * can never match an Ed25519 signature, but must not make the ACL unreadable).
 *
 * @example
 * const key = "(public-key (ecc (curve Ed25519) (q #5866666666666666666666666666666666666666666666666666666666666666#)))";
 * parseAcl(`(acl (entry ${key} (tag (guix import))))`).keys.length; // 1
 * // an entry for anything but imports makes the whole file invalid, as in Guix
 * let message = "";
 * try {
 *   parseAcl(`(acl (entry ${key} (tag (guix export))))`);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "invalid access-control list"
 */
export function parseAcl(input: string | Buffer): Acl {
  const sexp = parseSexp(input);
  const invalid = (): StoreError => new StoreError("key-format", "invalid access-control list");
  if (Buffer.isBuffer(sexp) || text((sexp as readonly Sexp[])[0]) !== "acl") throw invalid();
  const importTag: Sexp = [atom("tag"), [atom("guix"), atom("import")]];
  const keys: PublicKey[] = [];
  for (const entry of (sexp as readonly Sexp[]).slice(1)) {
    if (Buffer.isBuffer(entry)) throw invalid();
    const parts = entry as readonly Sexp[];
    if (parts.length !== 3 || text(parts[0]) !== "entry" || !sexpEqual(parts[2]!, importTag)) throw invalid();
    const key = parts[1]!;
    if (Buffer.isBuffer(key) || text((key as readonly Sexp[])[0]) !== "public-key") throw invalid();
    const q = findToken(key, "q")?.[1];
    keys.push({ sexp: key, q: q !== undefined && Buffer.isBuffer(q) ? q : Buffer.alloc(0) });
  }
  return { keys };
}

/**
 * The ACL file's text for `keys` (duplicates removed), as `guix archive --authorize` writes it.
 *
 * @example
 * const key = parsePublicKey("(public-key (ecc (curve Ed25519) (q #C9A3F86AAE465F0E56513864510F3997561FA2C9E85EA21DC2292309F3CD6022#)))");
 * aclText([key, key]);
 * // "(acl \n (entry \n  (public-key \n   (ecc \n    (curve Ed25519)\n    (q #C9A3F86AAE465F0E56513864510F3997561FA2C9E85EA21DC2292309F3CD6022#)\n    )\n   )\n  (tag \n   (guix import)\n   )\n  )\n )\n"
 */
export function aclText(keys: readonly PublicKey[]): string {
  const unique: PublicKey[] = [];
  for (const key of keys) if (!unique.some((other) => sexpEqual(other.sexp, key.sexp))) unique.push(key);
  const entries: Sexp[] = unique.map((key) => [atom("entry"), key.sexp, [atom("tag"), [atom("guix"), atom("import")]]]);
  return printSexp([atom("acl"), ...entries]);
}

/**
 * True if `key` is in the ACL (structural equality of the S-expressions, as Guix's `authorized-key?`).
 *
 * @example
 * import { parseSexp } from "./sexp.ts";
 * const acl = parseAcl(aclText([parsePublicKey("(public-key (ecc (curve Ed25519) (q #C9A3F86AAE465F0E56513864510F3997561FA2C9E85EA21DC2292309F3CD6022#)))")]));
 * // the same bytes written in base64 are the same key
 * isAuthorized(parseSexp("(public-key (ecc (curve Ed25519) (q |yaP4aq5GXw5WUThkUQ85l1YfosnoXqIdwikjCfPNYCI=|)))"), acl); // true
 */
export function isAuthorized(key: Sexp, acl: Acl): boolean {
  return acl.keys.some((entry) => sexpEqual(entry.sexp, key));
}
