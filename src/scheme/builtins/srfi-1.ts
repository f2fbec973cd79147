/**
 * `(srfi srfi-1)`, the list library, visible only after importing it (or
 * through `@`): the names Guile's core lacks (`fold`, `append-map`,
 * `filter-map`, `delete-duplicates`, `first`..`tenth`, `take`, `drop`,
 * `any`, `every`, `find`, `lset-*`, ...) and the three-argument `member` and
 * `assoc`. The rest of its exports are core procedures it re-exports.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(use-modules (srfi srfi-1))");
 * scheme.evalString("(fold + 0 '(1 2 3))"); // 6
 * writeString(scheme.evalString("(filter-map (lambda (x) (and (odd? x) (* x x))) '(1 2 3))")); // "(1 9)"
 * writeString(scheme.evalString("(delete-duplicates '(a b a))")); // "(a b)"
 */
import type { Evaluator } from "../evaluator.ts";
import { CycleCheck, MultipleValues, NIL, Pair, arrayToList, isProperList, type Datum } from "../values.ts";
import { assocBy, columns, equalityArgument, memberBy, notAList, truthy } from "./lists.ts";
import { expectIndex, expectList, expectPair, expectProcedure, outOfRange, type BuiltinTable } from "./registry.ts";

const SRFI1 = "srfi srfi-1";

/**
 * Registers the module's procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineSrfi1Builtins(table);
 * table.modules.get("srfi srfi-1")?.has("append-map"); // true
 */
export function defineSrfi1Builtins(table: BuiltinTable): void {
  const define = (name: string, min: number, max: number, fn: (args: Datum[], ev: Evaluator) => Datum) => table.define(name, min, max, fn, SRFI1);
  define("member", 2, 3, (args, ev) => memberBy("member", equalityArgument(ev, args[2]))(args));
  define("assoc", 2, 3, (args, ev) => assocBy("assoc", equalityArgument(ev, args[2]))(args));
  ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"].forEach((name, index) =>
    define(name, 1, 1, ([l]) => {
      let cursor = l!;
      for (let i = 0; i < index; i++) cursor = expectPair(name, cursor, 1).cdr;
      return expectPair(name, cursor, 1).car;
    }),
  );
  define("last", 1, 1, ([l]) => {
    let cursor = expectPair("last", l!, 1);
    const check = new CycleCheck(cursor);
    while (cursor.cdr instanceof Pair) {
      cursor = cursor.cdr;
      if (!check.fresh(cursor)) throw notAList("last", l!, 1);
    }
    return cursor.car;
  });
  define("xcons", 2, 2, ([a, b]) => new Pair(b!, a!));
  define("list-tabulate", 2, 2, ([n, f], ev) => {
    const proc = expectProcedure("list-tabulate", f!, 2);
    const out: Datum[] = [];
    for (let i = 0; i < expectIndex("list-tabulate", n!, 1); i++) out.push(ev.apply(proc, [i]));
    return arrayToList(out);
  });
  define("proper-list?", 1, 1, ([x]) => isProperList(x!));
  define("dotted-list?", 1, 1, ([x]) => {
    let cursor = x!;
    const check = new CycleCheck(cursor);
    while (cursor instanceof Pair) {
      cursor = cursor.cdr;
      if (!check.fresh(cursor)) return false;
    }
    return cursor !== NIL;
  });
  define("null-list?", 1, 1, ([x]) => x === NIL);
  define("not-pair?", 1, 1, ([x]) => !(x instanceof Pair));
  defineSelectors(define);
  defineFolds(define);
  defineSearches(define);
  defineSets(define);
  define("delete-duplicates", 1, 2, ([l, same], ev) => {
    const equal = equalityArgument(ev, same);
    const kept: Datum[] = [];
    for (const x of expectList("delete-duplicates", l!, 1)) if (!kept.some((y) => equal(y, x))) kept.push(x);
    return arrayToList(kept);
  });
  define("alist-cons", 3, 3, ([k, v, alist]) => new Pair(new Pair(k!, v!), alist!));
  define("alist-copy", 1, 1, ([alist]) => arrayToList(expectList("alist-copy", alist!, 1).map((e) => (e instanceof Pair ? new Pair(e.car, e.cdr) : e))));
  define("alist-delete", 2, 3, ([key, alist, same], ev) => {
    const equal = equalityArgument(ev, same);
    return arrayToList(expectList("alist-delete", alist!, 2).filter((e) => !(e instanceof Pair && equal(key!, e.car))));
  });
  define("concatenate", 1, 1, ([ls]) => arrayToList(expectList("concatenate", ls!, 1).flatMap((l, i) => expectList("concatenate", l, i + 1))));
  define("append-reverse", 2, 2, ([rev, tail]) => arrayToList(expectList("append-reverse", rev!, 1).reverse(), tail!));
  define("zip", 1, -1, (lists) => arrayToList(columns("zip", lists).map((row) => arrayToList(row))));
  for (const name of ["cons*", "list-copy", "filter", "delete", "iota", "map", "for-each", "make-list", "last-pair", "length", "append", "reverse"]) {
    if (table.modules.get("guile")?.has(name)) table.reexport(name, "guile", SRFI1);
  }
}

type Define = (name: string, min: number, max: number, fn: (args: Datum[], ev: Evaluator) => Datum) => void;

function defineSelectors(define: Define): void {
  define("take", 2, 2, ([l, k]) => {
    const n = expectIndex("take", k!, 2);
    const out: Datum[] = [];
    let cursor = l!;
    for (let i = 0; i < n; i++) {
      if (!(cursor instanceof Pair)) throw outOfRange("take", k!, 2);
      out.push(cursor.car);
      cursor = cursor.cdr;
    }
    return arrayToList(out);
  });
  define("drop", 2, 2, ([l, k]) => {
    const n = expectIndex("drop", k!, 2);
    let cursor = l!;
    for (let i = 0; i < n; i++) cursor = expectPair("drop", cursor, 1).cdr;
    return cursor;
  });
  define("take-right", 2, 2, ([l, k]) => {
    const items = expectList("take-right", l!, 1);
    const n = expectIndex("take-right", k!, 2);
    if (n > items.length) throw outOfRange("take-right", k!, 2);
    let cursor = l!;
    for (let i = 0; i < items.length - n; i++) cursor = (cursor as Pair).cdr;
    return cursor;
  });
  define("drop-right", 2, 2, ([l, k]) => {
    const items = expectList("drop-right", l!, 1);
    const n = expectIndex("drop-right", k!, 2);
    if (n > items.length) throw outOfRange("drop-right", k!, 2);
    return arrayToList(items.slice(0, items.length - n));
  });
  define("split-at", 2, 2, ([l, k]) => {
    const items = expectList("split-at", l!, 1);
    const n = expectIndex("split-at", k!, 2);
    if (n > items.length) throw outOfRange("split-at", k!, 2);
    let cursor = l!;
    for (let i = 0; i < n; i++) cursor = (cursor as Pair).cdr;
    return new MultipleValues([arrayToList(items.slice(0, n)), cursor]);
  });
  define("take-while", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("take-while", f!, 1);
    const out: Datum[] = [];
    for (const x of expectList("take-while", l!, 2)) {
      if (!truthy(ev.apply(proc, [x]))) break;
      out.push(x);
    }
    return arrayToList(out);
  });
  define("drop-while", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("drop-while", f!, 1);
    let cursor = l!;
    const check = new CycleCheck(cursor);
    while (cursor instanceof Pair && truthy(ev.apply(proc, [cursor.car]))) {
      cursor = cursor.cdr;
      if (!check.fresh(cursor)) throw notAList("drop-while", l!, 2);
    }
    return cursor;
  });
  for (const [name, negate] of [
    ["span", false],
    ["break", true],
  ] as const) {
    define(name, 2, 2, ([f, l], ev) => {
      const proc = expectProcedure(name, f!, 1);
      const prefix: Datum[] = [];
      let cursor = l!;
      const check = new CycleCheck(cursor);
      while (cursor instanceof Pair && truthy(ev.apply(proc, [cursor.car])) !== negate) {
        prefix.push(cursor.car);
        cursor = cursor.cdr;
        if (!check.fresh(cursor)) throw notAList(name, l!, 2);
      }
      return new MultipleValues([arrayToList(prefix), cursor]);
    });
  }
}

function defineFolds(define: Define): void {
  define("fold", 3, -1, ([f, init, ...lists], ev) => {
    const proc = expectProcedure("fold", f!, 1);
    let acc = init!;
    for (const row of columns("fold", lists)) acc = ev.apply(proc, [...row, acc]);
    return acc;
  });
  define("fold-right", 3, -1, ([f, init, ...lists], ev) => {
    const proc = expectProcedure("fold-right", f!, 1);
    let acc = init!;
    const rows = columns("fold-right", lists);
    for (let i = rows.length - 1; i >= 0; i--) acc = ev.apply(proc, [...rows[i]!, acc]);
    return acc;
  });
  define("reduce", 3, 3, ([f, ridentity, l], ev) => {
    const proc = expectProcedure("reduce", f!, 1);
    const items = expectList("reduce", l!, 3);
    if (items.length === 0) return ridentity!;
    let acc = items[0]!;
    for (let i = 1; i < items.length; i++) acc = ev.apply(proc, [items[i]!, acc]);
    return acc;
  });
  define("reduce-right", 3, 3, ([f, ridentity, l], ev) => {
    const proc = expectProcedure("reduce-right", f!, 1);
    const items = expectList("reduce-right", l!, 3);
    if (items.length === 0) return ridentity!;
    let acc = items[items.length - 1]!;
    for (let i = items.length - 2; i >= 0; i--) acc = ev.apply(proc, [items[i]!, acc]);
    return acc;
  });
  define("append-map", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("append-map", f!, 1);
    const out: Datum[] = [];
    for (const row of columns("append-map", lists)) out.push(...expectList("append-map", ev.apply(proc, row), 1));
    return arrayToList(out);
  });
  define("filter-map", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("filter-map", f!, 1);
    const out: Datum[] = [];
    for (const row of columns("filter-map", lists)) {
      const value = ev.apply(proc, row);
      if (truthy(value)) out.push(value);
    }
    return arrayToList(out);
  });
  define("map-in-order", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("map-in-order", f!, 1);
    return arrayToList(columns("map-in-order", lists).map((row) => ev.apply(proc, row)));
  });
  define("count", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("count", f!, 1);
    return columns("count", lists).filter((row) => truthy(ev.apply(proc, row))).length;
  });
  define("remove", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("remove", f!, 1);
    return arrayToList(expectList("remove", l!, 2).filter((x) => !truthy(ev.apply(proc, [x]))));
  });
  define("partition", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("partition", f!, 1);
    const yes: Datum[] = [];
    const no: Datum[] = [];
    for (const x of expectList("partition", l!, 2)) (truthy(ev.apply(proc, [x])) ? yes : no).push(x);
    return new MultipleValues([arrayToList(yes), arrayToList(no)]);
  });
}

function defineSearches(define: Define): void {
  define("find", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("find", f!, 1);
    return expectList("find", l!, 2).find((x) => truthy(ev.apply(proc, [x]))) ?? false;
  });
  define("find-tail", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("find-tail", f!, 1);
    const check = new CycleCheck(l!);
    for (let cursor = l!; cursor instanceof Pair; cursor = cursor.cdr) {
      if (truthy(ev.apply(proc, [cursor.car]))) return cursor;
      if (!check.fresh(cursor.cdr)) throw notAList("find-tail", l!, 2);
    }
    return false;
  });
  define("list-index", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("list-index", f!, 1);
    const index = columns("list-index", lists).findIndex((row) => truthy(ev.apply(proc, row)));
    return index === -1 ? false : index;
  });
  define("any", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("any", f!, 1);
    for (const row of columns("any", lists)) {
      const value = ev.apply(proc, row);
      if (truthy(value)) return value;
    }
    return false;
  });
  define("every", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("every", f!, 1);
    let last: Datum = true;
    for (const row of columns("every", lists)) {
      last = ev.apply(proc, row);
      if (!truthy(last)) return false;
    }
    return last;
  });
}

/** The `lset-` procedures: lists as sets under an equality predicate (the first argument). */
function defineSets(define: Define): void {
  const member = (ev: Evaluator, same: Datum, x: Datum, set: Datum[]) => set.some((y) => truthy(ev.apply(same, [y, x])));
  define("lset-adjoin", 2, -1, ([same, l, ...items], ev) => {
    const set = expectList("lset-adjoin", l!, 2);
    const added: Datum[] = [];
    for (const x of items) if (!member(ev, same!, x, [...set, ...added])) added.unshift(x);
    return arrayToList(added, l!);
  });
  define("lset-union", 1, -1, ([same, ...lists], ev) => {
    if (lists.length === 0) return NIL;
    let result = expectList("lset-union", lists[0]!, 2);
    for (let i = 1; i < lists.length; i++) {
      const additions: Datum[] = [];
      for (const x of expectList("lset-union", lists[i]!, i + 2)) if (!member(ev, same!, x, [...result, ...additions])) additions.unshift(x);
      result = [...additions, ...result];
    }
    return arrayToList(result);
  });
  define("lset-intersection", 2, -1, ([same, first, ...others], ev) =>
    arrayToList(
      expectList("lset-intersection", first!, 2).filter((x) => others.every((o, i) => member(ev, same!, x, expectList("lset-intersection", o, i + 3)))),
    ),
  );
  define("lset-difference", 2, -1, ([same, first, ...others], ev) =>
    arrayToList(expectList("lset-difference", first!, 2).filter((x) => !others.some((o, i) => member(ev, same!, x, expectList("lset-difference", o, i + 3))))),
  );
  define("lset<=", 1, -1, ([same, ...lists], ev) => {
    for (let i = 1; i < lists.length; i++) {
      const superset = expectList("lset<=", lists[i]!, i + 2);
      if (!expectList("lset<=", lists[i - 1]!, i + 1).every((x) => member(ev, same!, x, superset))) return false;
    }
    return true;
  });
  define("lset=", 1, -1, ([same, ...lists], ev) => {
    for (let i = 1; i < lists.length; i++) {
      const a = expectList("lset=", lists[i - 1]!, i + 1);
      const b = expectList("lset=", lists[i]!, i + 2);
      if (!a.every((x) => member(ev, same!, x, b)) || !b.every((x) => member(ev, same!, x, a))) return false;
    }
    return true;
  });
}
