import assert from "node:assert/strict";
import { test } from "node:test";
import { Environment } from "./environment.ts";
import { Renamed } from "./identifiers.ts";
import { schemeString, stringText, sym } from "./values.ts";

test("the documented example holds", () => {
  const global = new Environment();
  global.define(sym("x"), 1);
  assert.equal(new Environment(global).lookup(sym("x")), 1);
});

test("set! changes the nearest binding; hasOwn is this level only", () => {
  const outer = new Environment();
  outer.define(sym("x"), 1);
  const inner = new Environment(outer);
  assert.equal(inner.set(sym("x"), 2), true);
  assert.equal(outer.lookup(sym("x")), 2);
  assert.equal(inner.set(sym("never"), 1), false);
  assert.equal(inner.hasOwn(sym("x")), false);
});

test("a macro's alias: bound where its expansion binds it, else its symbol where the macro was defined", () => {
  const definition = new Environment();
  definition.define(sym("list"), schemeString("the macro's list"));
  const use = new Environment();
  use.define(sym("list"), schemeString("the user's list"));
  const alias = new Renamed(sym("list"), definition);
  assert.equal(stringText(use.lookup(alias)), "the macro's list");
  const bound = new Environment(use);
  bound.define(alias, schemeString("bound by the expansion"));
  assert.equal(stringText(bound.lookup(alias)), "bound by the expansion");
  assert.equal(stringText(bound.lookup(sym("list"))), "the user's list", "the user's name is not captured");
});

test("a module's top level: definitions win over imports, which sit over the default environment", () => {
  const core = new Environment();
  core.define(sym("first"), schemeString("core"));
  const imports = new Environment(core);
  const top = new Environment(imports, imports);
  imports.define(sym("first"), schemeString("imported"));
  assert.equal(stringText(top.lookup(sym("first"))), "imported");
  top.define(sym("first"), schemeString("defined"));
  assert.equal(stringText(top.lookup(sym("first"))), "defined");
  assert.equal(new Environment(new Environment(top)).moduleTop(), top);
});
