import assert from "node:assert/strict";
import { test } from "node:test";
import { BuiltinTable } from "../builtins/registry.ts";
import { defineBindingsOfModules } from "./modules-syntax.ts";

test("the documented example holds, and each form is in the module Guile exports it from", () => {
  const table = new BuiltinTable();
  defineBindingsOfModules(table);
  assert.equal(table.modules.get("ice-9 match")?.has("match-lambda"), true);
  assert.equal(table.modules.get("srfi srfi-26")?.has("cute"), true);
  assert.equal(table.modules.get("srfi srfi-11")?.has("let*-values"), true);
  assert.equal(table.modules.get("ice-9 receive")?.has("receive"), true);
  assert.equal(table.modules.get("guile"), undefined, "none of them is in Guile's default environment");
});
