import assert from "node:assert/strict";
import { test } from "node:test";
import { Environment } from "../environment.ts";
import { SpecialForm, sym } from "../values.ts";
import { defineCoreForms } from "./core-forms.ts";

test("the documented example holds", () => {
  const global = new Environment();
  defineCoreForms((name, form) => global.define(sym(name), form));
  assert.ok(global.lookup(sym("lambda")) instanceof SpecialForm);
});

test("every core form is Guile's own name, once; module forms (match, cut) are not among them", () => {
  const names: string[] = [];
  defineCoreForms((name) => names.push(name));
  assert.equal(new Set(names).size, names.length);
  for (const name of ["quote", "define", "let-values", "define-syntax-rule", "include", "parameterize", "define-module"]) {
    assert.equal(names.includes(name), name !== "let-values", name);
  }
  for (const name of ["match", "cut", "receive"]) assert.equal(names.includes(name), false, name);
});
