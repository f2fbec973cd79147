import assert from "node:assert/strict";
import { test } from "node:test";
import * as reader from "../../grammar/abbreviate.ts";
import { abbreviate, ABBREVIATION_LENGTH } from "./abbreviate.ts";

test("the evaluator's abbreviate is the reader's: one copy for every layer", () => {
  assert.equal(abbreviate, reader.abbreviate);
  assert.equal(ABBREVIATION_LENGTH, reader.ABBREVIATION_LENGTH);
  assert.equal(abbreviate("x".repeat(100)).length, 80);
});
