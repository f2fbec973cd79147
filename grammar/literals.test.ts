import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeCharacter, decodeString, LiteralError } from "./literals.ts";

test("the documented examples hold", () => {
  assert.equal(decodeString('"a\\tb"'), "a\tb");
  assert.equal(decodeCharacter("#\\space"), 32);
});

test("Guile 3.0's escapes and character names; bad ones are LiteralErrors with their offset", () => {
  assert.equal(decodeString('"\\x41\\u03bb\\U01F600\\\\\\""'), 'Aλ😀\\"');
  assert.equal(decodeString('"a\\\n  b"'), "a  b");
  assert.equal(decodeCharacter("#\\x41"), 65);
  assert.equal(decodeCharacter("#\\nul"), 0);
  assert.equal(decodeCharacter("#\\λ"), 0x3bb);
  assert.throws(
    () => decodeString('"\\q"'),
    (e: unknown) => e instanceof LiteralError && e.offset === 1,
  );
  assert.throws(() => decodeCharacter("#\\nosuchname"), /unknown character name nosuchname/);
  assert.throws(() => decodeString('"\\xZZ"'), /expected 2 hex digits/);
});
