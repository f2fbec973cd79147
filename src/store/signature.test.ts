import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SignatureError, StoreError } from "./errors.ts";
import { aclText, generateSigningKeyPair, parseAcl, parsePublicKey } from "./keys.ts";
import { findToken, parseSexp, printSexp } from "./sexp.ts";
import { HASH_MISMATCH_MESSAGE, checkSignature, signHash, unsignedError, verifySignature } from "./signature.ts";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "store");

function failure(kind: SignatureError["failure"], guixMessage: string, message?: RegExp) {
  return (error: unknown): boolean =>
    error instanceof SignatureError && error.failure === kind && error.guixMessage === guixMessage && (message === undefined || message.test(error.message));
}

describe("signatures", () => {
  const signer = generateSigningKeyPair();
  const acl = parseAcl(aclText([signer.publicKey]));
  const hash = createHash("sha256").update("item bytes").digest();

  it("makes signatures in the daemon's form and checks them", () => {
    const text = signHash(hash, signer.secretKey, signer.publicKey);
    assert.match(
      text,
      /^\(signature \n \(data \n  \(flags rfc6979\)\n  \(hash sha256 #[0-9A-F]{64}#\)\n  \)\n \(sig-val \n  \(ecdsa \n   \(r #[0-9A-F]+#\)\n   \(s #[0-9A-F]+#\)\n   \)\n  \)\n \(public-key \n  \(ecc \n/,
    );
    assert.equal(signHash(hash, signer.secretKey), text, "deterministic");
    assert.deepEqual(verifySignature(text, acl), hash);
    checkSignature(text, hash, acl);
  });

  it("accepts a real Guix signature when its key is authorized", () => {
    const text = readFileSync(join(fixtures, "guix-narinfo-signature.txt"));
    const farmKey = parsePublicKey(findToken(parseSexp(text), "public-key")!);
    const signed = createHash("sha256")
      .update(readFileSync(join(fixtures, "guix-narinfo-signed.txt")))
      .digest();
    checkSignature(text, signed, parseAcl(aclText([farmKey])));
    assert.throws(() => checkSignature(text, signed, acl), failure("unauthorized-key", "unauthorized public key"));
  });

  it("refuses a key missing from the ACL with guix authenticate's message", () => {
    const stranger = generateSigningKeyPair();
    const text = signHash(hash, stranger.secretKey);
    // libgcrypt writes q in hex, or as a quoted string when its bytes allow (about one random key in ten thousand).
    assert.match(stranger.publicText, /^\(public-key \n \(ecc \n {2}\(curve Ed25519\)\n {2}\(q (#[0-9A-F]{64}#|".*")\)\n {2}\)\n \)\n$/s);
    assert.throws(() => checkSignature(text, hash, acl), failure("unauthorized-key", "unauthorized public key"));
    assert.throws(() => checkSignature(text, hash, acl), { message: `unauthorized public key: ${stranger.publicText}\n` });
  });

  it("refuses a forged signature value", () => {
    const text = signHash(hash, signer.secretKey);
    const forged = text.replace(/\(s #([0-9A-F])/, (_m, digit: string) => `(s #${digit === "0" ? "1" : "0"}`);
    assert.notEqual(forged, text);
    assert.throws(() => checkSignature(forged, hash, acl), failure("invalid-signature", "invalid signature", /^invalid signature: \(signature /));
  });

  it("refuses a valid signature of other contents with the daemon's Trojan-horse message", () => {
    const text = signHash(createHash("sha256").update("other bytes").digest(), signer.secretKey);
    assert.throws(() => checkSignature(text, hash, acl), failure("hash-mismatch", "invalid hash"));
    assert.throws(
      () => checkSignature(text, hash, acl),
      (error: unknown) => (error as Error).message === HASH_MISMATCH_MESSAGE,
    );
  });

  it("refuses corrupt signatures", () => {
    for (const bad of [
      "(signature",
      "not a sexp",
      "(signature (sig-val (ecdsa (r #01#) (s #01#))))",
      printSexp(parseSexp("(signature (data (flags rfc6979)) (public-key (ecc (curve Ed25519) (q #00#))))")),
    ]) {
      assert.throws(
        () => verifySignature(bad, acl),
        failure(
          "corrupt-signature",
          bad.startsWith("(signature (") || bad.startsWith("(signature \n") ? "corrupt signature data" : "signature is not a valid s-expression",
        ),
        bad,
      );
    }
  });

  it("says why an unsigned item is refused, in both wordings", () => {
    const error = unsignedError("/gnu/store/x-y");
    assert.equal(error.message, "imported archive of `/gnu/store/x-y' lacks a signature");
    assert.equal(error.guixMessage, "imported file lacks a signature");
    assert.equal(error.failure, "unsigned");
  });

  it("reports RSA signatures as unsupported rather than invalid", () => {
    const rsaSignature = `(signature (data (flags pkcs1) (hash sha256 #${hash.toString("hex")}#)) (sig-val (rsa (s #0102#))) ${signer.publicText})`;
    assert.throws(
      () => checkSignature(rsaSignature, hash, acl),
      (error: unknown) => error instanceof StoreError && error.code === "unsupported-key",
    );
  });
});
