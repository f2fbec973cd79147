import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GROUP_ORDER, bytesToBigint, bigintToBytes, ecdsaSign, ecdsaVerify, generateScalar, isValidPublicPoint, publicPoint } from "./edwards25519.ts";
import { atomOf, findToken, parseSexp } from "./sexp.ts";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "store");

describe("ECDSA on Ed25519", () => {
  const signature = parseSexp(readFileSync(join(fixtures, "guix-narinfo-signature.txt")));
  const signedHash = createHash("sha256")
    .update(readFileSync(join(fixtures, "guix-narinfo-signed.txt")))
    .digest();
  const q = atomOf(signature, "q")!;
  const r = bytesToBigint(atomOf(signature, "r")!);
  const s = bytesToBigint(atomOf(signature, "s")!);

  it("verifies a signature made by a Guix build farm", () => {
    assert.deepEqual(findToken(signature, "hash")![2], signedHash);
    assert.ok(ecdsaVerify(q, signedHash, r, s));
  });

  it("refuses it for another hash, another key, or altered numbers", () => {
    const other = Buffer.from(signedHash);
    other[0]! ^= 1;
    assert.ok(!ecdsaVerify(q, other, r, s));
    assert.ok(!ecdsaVerify(publicPoint(generateScalar()), signedHash, r, s));
    assert.ok(!ecdsaVerify(q, signedHash, r + 1n, s));
    assert.ok(!ecdsaVerify(q, signedHash, r, GROUP_ORDER - s));
    assert.ok(!ecdsaVerify(q, signedHash, 0n, s));
    assert.ok(!ecdsaVerify(q, signedHash, r, GROUP_ORDER));
  });

  it("ignores the hash's 3 lowest bits, as libgcrypt truncates it to the order's 253 bits (the full hash is compared separately)", () => {
    const low = Buffer.from(signedHash);
    low[31]! ^= 0b111;
    assert.ok(ecdsaVerify(q, low, r, s));
  });

  it("signs deterministically (RFC 6979) and verifies its own signatures", () => {
    for (let i = 0; i < 5; i++) {
      const d = generateScalar();
      const key = publicPoint(d);
      assert.ok(isValidPublicPoint(key));
      const hash = createHash("sha256").update(String(i)).digest();
      const first = ecdsaSign(d, hash);
      assert.deepEqual(ecdsaSign(d, hash), first);
      assert.ok(ecdsaVerify(key, hash, first.r, first.s));
      assert.notDeepEqual(ecdsaSign(d, createHash("sha256").update("other").digest()), first);
    }
  });

  it("matches the RFC 6979 construction for a known key (k from HMAC-SHA-256, hash truncated to 253 bits)", () => {
    // With d = 1 the public key is the base point, whose encoding is well known.
    assert.equal(publicPoint(1n).toString("hex"), "5866666666666666666666666666666666666666666666666666666666666666");
    const hash = Buffer.alloc(32, 0xff);
    const { r, s } = ecdsaSign(1n, hash);
    assert.ok(ecdsaVerify(publicPoint(1n), hash, r, s));
  });

  it("decodes libgcrypt's 0x40-prefixed points and refuses non-points", () => {
    assert.ok(isValidPublicPoint(Buffer.concat([Buffer.from([0x40]), q])));
    assert.ok(!isValidPublicPoint(q.subarray(1)));
    const notOnCurve = Buffer.from(q);
    notOnCurve[0] = 2;
    notOnCurve[31] = 0;
    assert.equal(isValidPublicPoint(bigintToBytes(2n, 32).reverse()), false);
  });
});
