import assert from "node:assert/strict";
import { test } from "node:test";
import { abbreviate, ABBREVIATION_LENGTH } from "./abbreviate.ts";

test("the documented examples hold", () => {
  assert.equal(abbreviate('(build-machine (name "a"))', 20), "(build-machine (n...");
  assert.equal(abbreviate("(a b)"), "(a b)");
  assert.equal(abbreviate("x".repeat(100)).length, 80);
});

test("texts up to the limit are kept whole; longer ones end in ... at exactly the limit", () => {
  assert.equal(abbreviate("x".repeat(ABBREVIATION_LENGTH)), "x".repeat(ABBREVIATION_LENGTH));
  const cut = abbreviate("y".repeat(ABBREVIATION_LENGTH + 1));
  assert.equal(cut.length, ABBREVIATION_LENGTH);
  assert.ok(cut.endsWith("..."));
});
