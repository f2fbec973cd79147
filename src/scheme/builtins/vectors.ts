/**
 * Vectors: the procedures of Guile's default environment and the ones of
 * `(srfi srfi-43)` configurations use (whose `vector-map` and
 * `vector-for-each` pass the index first).
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("(vector->list (vector 1 2 3))")); // "(1 2 3)"
 * // a vector is a JavaScript array
 * scheme.evalString("(vector 1 2 3)"); // [1, 2, 3]
 * // SRFI-43's vector-map passes the index first
 * writeString(scheme.evalString("(use-modules (srfi srfi-43)) (vector-map (lambda (i x) (* i x)) #(5 6))")); // "#(0 6)"
 */
import { SchemeError } from "../errors.ts";
import { writeString } from "../printer.ts";
import { UNSPECIFIED, arrayToList, reserve, type Datum } from "../values.ts";
import { expectIndex, expectList, expectProcedure, outOfRange, type BuiltinTable } from "./registry.ts";

const SRFI43 = "srfi srfi-43";

function expectVector(who: string, value: Datum, position: number): Datum[] {
  if (Array.isArray(value)) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting vector): ${writeString(value)}`);
}

/** `[start, end)` of a vector from optional arguments, checked. */
function range(who: string, items: Datum[], start: Datum | undefined, end: Datum | undefined): [number, number] {
  const from = start === undefined ? 0 : expectIndex(who, start, 2);
  const to = end === undefined ? items.length : expectIndex(who, end, 3);
  if (from > items.length) throw outOfRange(who, start!, 2);
  if (to > items.length || to < from) throw outOfRange(who, end!, 3);
  return [from, to];
}

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineVectorBuiltins(table);
 * table.modules.get("srfi srfi-43")?.has("vector-map"); // true
 */
export function defineVectorBuiltins(table: BuiltinTable): void {
  table.define("vector?", 1, 1, ([x]) => Array.isArray(x));
  table.define("vector", 0, -1, (args) => [...args]);
  table.define("make-vector", 1, 2, ([k, fill]) => {
    const n = expectIndex("make-vector", k!, 1);
    if (n > 10_000_000) throw new SchemeError("limit-exceeded", "make-vector: vector too long");
    reserve(8 * n);
    return new Array<Datum>(n).fill(fill ?? false);
  });
  table.define("vector-length", 1, 1, ([v]) => expectVector("vector-length", v!, 1).length);
  table.define("vector-ref", 2, 2, ([v, k]) => {
    const items = expectVector("vector-ref", v!, 1);
    const index = expectIndex("vector-ref", k!, 2);
    if (index >= items.length) throw outOfRange("vector-ref", k!, 2);
    return items[index]!;
  });
  table.define("vector-set!", 3, 3, ([v, k, x]) => {
    const items = expectVector("vector-set!", v!, 1);
    const index = expectIndex("vector-set!", k!, 2);
    if (index >= items.length) throw outOfRange("vector-set!", k!, 2);
    items[index] = x!;
    return UNSPECIFIED;
  });
  table.define("vector-fill!", 2, 2, ([v, x]) => {
    expectVector("vector-fill!", v!, 1).fill(x!);
    return UNSPECIFIED;
  });
  table.define("vector->list", 1, 1, ([v]) => arrayToList(expectVector("vector->list", v!, 1)));
  table.define("list->vector", 1, 1, ([l]) => expectList("list->vector", l!, 1));
  table.define("vector-copy", 1, 3, ([v, start, end]) => {
    const items = expectVector("vector-copy", v!, 1);
    return items.slice(...range("vector-copy", items, start, end));
  });
  table.define("vector-append", 0, -1, (vectors) => vectors.flatMap((v, i) => expectVector("vector-append", v, i + 1)), SRFI43);
  const withIndex = (name: string, collect: boolean) =>
    table.define(
      name,
      2,
      -1,
      ([f, ...vectors], ev) => {
        const proc = expectProcedure(name, f!, 1);
        const arrays = vectors.map((v, i) => expectVector(name, v, i + 2));
        const length = Math.min(...arrays.map((a) => a.length));
        const out: Datum[] = [];
        for (let i = 0; i < length; i++) out.push(ev.apply(proc, [i, ...arrays.map((a) => a[i]!)]));
        return collect ? out : UNSPECIFIED;
      },
      SRFI43,
    );
  withIndex("vector-map", true);
  withIndex("vector-for-each", false);
  table.define(
    "vector-count",
    2,
    -1,
    ([f, ...vectors], ev) => {
      const proc = expectProcedure("vector-count", f!, 1);
      const arrays = vectors.map((v, i) => expectVector("vector-count", v, i + 2));
      const length = Math.min(...arrays.map((a) => a.length));
      let count = 0;
      for (let i = 0; i < length; i++) if (ev.apply(proc, [i, ...arrays.map((a) => a[i]!)]) !== false) count++;
      return count;
    },
    SRFI43,
  );
  table.define("vector-empty?", 1, 1, ([v]) => expectVector("vector-empty?", v!, 1).length === 0, SRFI43);
  table.define(
    "vector-index",
    2,
    2,
    ([f, v], ev) => {
      const proc = expectProcedure("vector-index", f!, 1);
      const index = expectVector("vector-index", v!, 2).findIndex((x) => ev.apply(proc, [x]) !== false);
      return index === -1 ? false : index;
    },
    SRFI43,
  );
}
