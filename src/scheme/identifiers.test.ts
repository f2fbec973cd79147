import assert from "node:assert/strict";
import { test } from "node:test";
import { Environment } from "./environment.ts";
import { Renamed, baseSymbol, identifierName, isIdentifier, isNamed, stripSyntax } from "./identifiers.ts";
import { list, schemeString, sym } from "./values.ts";

test("the documented example holds", () => {
  const alias = new Renamed(sym("tmp"), new Environment());
  assert.equal(identifierName(alias), "tmp");
  const original = list(alias, 1);
  assert.deepEqual(stripSyntax(original), list(sym("tmp"), 1));
});

test("aliases of aliases, keyword recognition, and shared structure when nothing changes", () => {
  const env = new Environment();
  const twice = new Renamed(new Renamed(sym("else"), env), env);
  assert.equal(baseSymbol(twice), sym("else"));
  assert.equal(isNamed(twice, sym("else")), true);
  assert.equal(isIdentifier(twice) && isIdentifier(sym("x")) && !isIdentifier(schemeString("x")), true);
  const plain = list(1, list(sym("a")), [sym("b")]);
  assert.equal(stripSyntax(plain), plain);
  assert.deepEqual(stripSyntax([new Renamed(sym("v"), env)]), [sym("v")]);
});
