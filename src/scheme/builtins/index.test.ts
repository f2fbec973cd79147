import assert from "node:assert/strict";
import { test } from "node:test";
import { defineAllBuiltins } from "./index.ts";
import { BuiltinTable } from "./registry.ts";

test("the documented example holds: every module we provide is there", () => {
  const table = new BuiltinTable();
  defineAllBuiltins(table);
  assert.equal(table.modules.get("srfi srfi-1")?.has("fold"), true);
  for (const module of [
    "guile",
    "srfi srfi-1",
    "srfi srfi-26",
    "ice-9 match",
    "ice-9 format",
    "ice-9 popen",
    "ice-9 exceptions",
    "ice-9 rdelim",
    "ice-9 textual-ports",
  ]) {
    assert.ok(table.modules.has(module), module);
  }
});
