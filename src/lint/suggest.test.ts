import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_SUGGESTED_LENGTH } from "../scheme/edit-distance.ts";
import { closest, didYouMean } from "./suggest.ts";

test("the documented examples hold", () => {
  assert.equal(closest("sytems", ["systems", "system", "speed"]), "systems");
  assert.equal(closest("compression", ["speed", "port"]), undefined);
  assert.equal(didYouMean("x86-64-linux", ["x86_64-linux"], true), ' (did you mean "x86_64-linux"?)');
  assert.equal(didYouMean("sped", ["speed"]), " (did you mean speed?)");
});

test("case does not count, and a word equal to a candidate is no typo", () => {
  assert.equal(closest("SYTEMS", ["systems"]), "systems");
  assert.equal(closest("systems", ["systems"]), undefined);
});

test("a word of implausible length is not compared at all", () => {
  // One character over the bound and a typo of nothing else: were it compared, "port" plus padding would still be far.
  const justOver = "p".repeat(MAX_SUGGESTED_LENGTH + 1);
  assert.equal(closest(justOver, [justOver.slice(1)]), undefined);
  assert.equal(closest(justOver.slice(1), [justOver.slice(2)]), justOver.slice(2));
  // A 2-million-character field name once took 17 s and 1.8 GB here (issue 15, item 9).
  assert.equal(didYouMean("s".repeat(2_000_000), ["systems", "speed"]), "");
});

test("a candidate of implausible length is skipped, however close", () => {
  const word = "a".repeat(MAX_SUGGESTED_LENGTH);
  assert.equal(closest(word, [`${word}b`]), undefined);
  assert.equal(closest(word, [`${word.slice(1)}b`]), `${word.slice(1)}b`);
});
