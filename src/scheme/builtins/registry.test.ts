import assert from "node:assert/strict";
import { test } from "node:test";
import { createInterpreter } from "../interpreter.ts";
import { SchemeError } from "../errors.ts";
import { Pair, list, schemeString } from "../values.ts";
import { BuiltinTable, expectIndex, expectList, expectPair, expectString, outOfRange } from "./registry.ts";

test("the documented example holds", () => {
  const table = new BuiltinTable();
  table.define("car", 1, 1, ([p]) => expectPair("car", p!, 1).car);
  const car = table.modules.get("guile")!.get("car");
  assert.ok(car);
  assert.equal(createInterpreter().evaluator.apply(car, [list(1, 2)]), 1);
});

test("bind, define in a module, reexport", () => {
  const table = new BuiltinTable();
  table.bind("x", 1);
  table.reexport("x", "guile", "my module");
  assert.equal(table.modules.get("my module")?.get("x"), 1);
  assert.throws(() => table.reexport("missing", "guile", "my module"), /no builtin missing in guile/);
});

test("argument checks raise Guile-like wrong-type-arg and out-of-range errors naming the argument", () => {
  assert.ok(expectPair("car", new Pair(1, 2), 1));
  assert.throws(
    () => expectPair("car", 5, 1),
    (e: unknown) => e instanceof SchemeError && e.message === "car: wrong type argument in position 1 (expecting pair): 5",
  );
  assert.deepEqual(expectList("length", list(1), 1), [1]);
  assert.equal(expectString("f", schemeString("s"), 1), "s");
  assert.throws(
    () => expectIndex("list-ref", -1, 2),
    (e: unknown) => e instanceof SchemeError && e.code === "out-of-range",
  );
  assert.equal(outOfRange("vector-ref", 9, 2).message, "vector-ref: argument 2 out of range: 9");
});
