import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "../../test/differential/scheme-support.ts";
import { createInterpreter } from "./interpreter.ts";
import { OutputPort, Pair, ParameterObject, Primitive, allocation, arrayToList, isProcedure, list } from "./values.ts";

test("the documented examples hold", () => {
  const car = new Primitive("car", 1, 1, ([p]) => (p as Pair).car);
  assert.equal(createInterpreter().evaluator.apply(car, [list(1, 2)]), 1);
  const before = allocation.bytes;
  assert.equal(run("'x"), "x");
  const made = arrayToList([1, 2], 3) as Pair;
  assert.equal(made.car, 1);
  assert.ok(allocation.bytes >= before + 64, "lists built count as allocated");
});

test("output ports collect text and track the column; parameters are procedures", () => {
  const port = new OutputPort();
  port.write("ab\ncd");
  assert.equal(port.column, 2);
  assert.equal(port.text(), "ab\ncd");
  const printed: string[] = [];
  new OutputPort((t) => printed.push(t)).write("to the sink");
  assert.deepEqual(printed, ["to the sink"]);
  const parameter = new ParameterObject(1, undefined);
  assert.equal(isProcedure(parameter), true);
  assert.equal(createInterpreter().evaluator.apply(parameter, []), 1);
});
