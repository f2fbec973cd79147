import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StoreError } from "./errors.ts";
import { atom, atomOf, findToken, parseSexp, printSexp, sexpEqual } from "./sexp.ts";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "store");

describe("S-expressions", () => {
  it("prints a real Guix signature back byte for byte (libgcrypt's advanced format)", () => {
    const text = readFileSync(join(fixtures, "guix-narinfo-signature.txt"));
    assert.equal(printSexp(parseSexp(text)), text.toString("latin1"));
  });

  it("prints the layout of signing-key.pub and the ACL as libgcrypt does", () => {
    const q = Buffer.alloc(32, 0xab);
    assert.equal(
      printSexp([atom("public-key"), [atom("ecc"), [atom("curve"), atom("Ed25519")], [atom("q"), q]]]),
      `(public-key \n (ecc \n  (curve Ed25519)\n  (q #${"AB".repeat(32)}#)\n  )\n )\n`,
    );
    assert.equal(printSexp(parseSexp("(acl (entry (k) (tag (guix import))))")), "(acl \n (entry \n  (k)\n  (tag \n   (guix import)\n   )\n  )\n )\n");
  });

  it("chooses tokens, quoted strings or hex as libgcrypt does", () => {
    const show = (bytes: Buffer): string => printSexp([bytes]).trim();
    assert.equal(show(Buffer.from("sha256")), "(sha256)");
    assert.equal(show(Buffer.from("1abc")), '("1abc")', "a digit cannot start a token");
    assert.equal(show(Buffer.from("a b")), '("a b")');
    assert.equal(show(Buffer.from('q"\\\n')), '("q\\"\\\\\\n")');
    assert.equal(show(Buffer.from("")), '("")');
    assert.equal(show(Buffer.from([0x00, 0x41])), "(#0041#)", "a leading zero is binary");
    assert.equal(show(Buffer.from([0x80])), "(#80#)");
    assert.equal(show(Buffer.from([0x41, 0x01])), "(#4101#)", "control characters are binary");
  });

  it("reads every notation libgcrypt accepts to the same bytes", () => {
    const forms = ['(a "hello")', "(a #68656C6C6F#)", "(a |aGVsbG8=|)", "(a 5:hello)", "(a hello)", '(a "hel\\x6co")', '(a "he\\154lo")', '(a "hel\\\nlo")'];
    const expected = parseSexp("(a hello)");
    for (const form of forms) assert.ok(sexpEqual(parseSexp(form), expected), form);
    assert.ok(!sexpEqual(parseSexp("(a b)"), parseSexp("(a b c)")));
    assert.ok(!sexpEqual(parseSexp("(a (b))"), parseSexp("(a b)")));
  });

  it("finds tokens depth first, as gcry_sexp_find_token", () => {
    const sexp = parseSexp("(signature (data (hash sha256 #00#)) (public-key (ecc (q #01#))))");
    assert.deepEqual(atomOf(sexp, "q"), Buffer.from([1]));
    assert.equal(findToken(sexp, "hash")?.length, 3);
    assert.equal(findToken(sexp, "missing"), null);
  });

  it("refuses malformed text", () => {
    for (const bad of ["", "a", "(a", "(a))", "(a) b", "(#0#)", "(|!!|)", '("open)', "([hint]x)", "(a 9:short)", "(\u0001)"]) {
      assert.throws(
        () => parseSexp(bad),
        (error: unknown) => error instanceof StoreError && error.code === "sexp-syntax",
        JSON.stringify(bad),
      );
    }
  });
});
