import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StoreError } from "./errors.ts";
import { aclText, generateSigningKeyPair, isAuthorized, parseAcl, parsePublicKey, parseSecretKey } from "./keys.ts";
import { findToken, parseSexp, printSexp } from "./sexp.ts";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "store");
/** An RSA key as installations from before 2014 have (the format of Guix's tests/keys/signing-key.pub). */
const RSA_KEY = "(public-key\n (rsa\n  (n #00C1F764069F54FFE93A126B02328903#)\n  (e #010001#)))\n";

describe("signing keys and ACLs", () => {
  it("generates key files in the format `guix archive --generate-key` writes, and reads them back", () => {
    const pair = generateSigningKeyPair();
    assert.match(pair.publicText, /^\(public-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \)\n \)\n$/);
    assert.match(pair.secretText, /^\(private-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \(d #[0-9A-F]+#\)\n  \)\n \)\n$/);
    const publicKey = parsePublicKey(pair.publicText);
    const secretKey = parseSecretKey(pair.secretText);
    assert.equal(secretKey.d, pair.secretKey.d);
    assert.deepEqual(publicKey.q, pair.publicKey.q);
    assert.equal(printSexp(secretKey.publicKey.sexp), pair.publicText);
  });

  it("reads the public key of a real Guix signature", () => {
    const signature = parseSexp(readFileSync(join(fixtures, "guix-narinfo-signature.txt")));
    const key = parsePublicKey(findToken(signature, "public-key")!);
    assert.equal(key.q.toString("hex").toUpperCase(), "7D602902D3A2DBB83F8A0FB98602A754C5493B0B778C8D1DD4E0F41DE14DE34F");
  });

  it("refuses RSA and other curves with a clear unsupported-key error", () => {
    assert.throws(
      () => parsePublicKey(RSA_KEY),
      (error: unknown) => error instanceof StoreError && error.code === "unsupported-key" && /RSA key; only Ed25519/.test(error.message),
    );
    assert.throws(
      () => parsePublicKey('(public-key (ecc (curve "NIST P-256") (q #04#)))'),
      (error: unknown) => error instanceof StoreError && error.code === "unsupported-key",
    );
  });

  it("refuses malformed keys", () => {
    for (const bad of ["(private-key (ecc (curve Ed25519)))", "(public-key)", "(public-key (ecc (curve Ed25519) (q #00#)))", "(something (ecc))"]) {
      assert.throws(
        () => parsePublicKey(bad),
        (error: unknown) => error instanceof StoreError && error.code === "key-format",
        bad,
      );
    }
    const pair = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    const mismatched = pair.secretText.replace(/\(q #[0-9A-F]+#\)/, `(q #${other.publicKey.q.toString("hex").toUpperCase()}#)`);
    assert.throws(() => parseSecretKey(mismatched), /does not match its own public point/);
  });

  it("writes and reads ACLs as `guix archive --authorize` does, and matches keys structurally", () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    const text = aclText([a.publicKey, b.publicKey, a.publicKey]);
    assert.ok(text.startsWith("(acl \n (entry \n  (public-key \n   (ecc \n    (curve Ed25519)\n"));
    assert.match(text, /\(tag \n   \(guix import\)\n   \)\n  \)\n/);
    const acl = parseAcl(text);
    assert.equal(acl.keys.length, 2);
    assert.ok(isAuthorized(parsePublicKey(a.publicText).sexp, acl));
    assert.ok(!isAuthorized(generateSigningKeyPair().publicKey.sexp, acl));
    // An RSA entry is kept (it just never matches) rather than making the ACL unreadable.
    assert.equal(parseAcl(`(acl (entry ${RSA_KEY} (tag (guix import))))`).keys.length, 1);
    assert.equal(parseAcl("(acl)").keys.length, 0);
  });

  it("refuses ACLs Guix refuses", () => {
    const key = generateSigningKeyPair().publicText;
    for (const bad of ["(acl (entry " + key + "))", "(acl (entry " + key + " (tag (guix export))))", "(list)", "(acl x)"]) {
      assert.throws(() => parseAcl(bad), /invalid access-control list/, bad);
    }
  });
});
