import assert from "node:assert/strict";
import { test } from "node:test";
import { editDistance } from "./edit-distance.ts";

test("the documented examples hold", () => {
  assert.equal(editDistance("sytems", "systems"), 1);
  assert.equal(editDistance("usr", "user"), 1);
  assert.equal(editDistance("hsot-key", "host-key"), 1);
});

test("insertions, deletions and substitutions each cost one; equal words cost nothing", () => {
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("speed", "speed"), 0);
  assert.equal(editDistance("port", "sort"), 1);
  assert.equal(editDistance("name", "user"), 4);
});
