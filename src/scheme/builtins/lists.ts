/**
 * Pair and list procedures of Guile's default environment (SRFI-1's are in srfi-1.ts).
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("(append '(1) '(2 3))")); // "(1 2 3)"
 * scheme.evalString("(assoc-ref '((a . 1)) 'a)"); // 1
 * writeString(scheme.evalString("(iota 3 0 0.5)")); // "(0.0 0.5 1.0)"
 */
import { eq, eqv, isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { arrayToList, CycleCheck, type Datum, isProperList, NIL, Pair, PAIR_BYTES, reserve } from "../values.ts";
import { add, isExact, multiply, toInexact, type SchemeNumber } from "../numbers.ts";
import { expectIndex, expectNumber, expectList, expectPair, expectProcedure, outOfRange, type BuiltinTable } from "./registry.ts";

/**
 * The lists given to a mapping procedure, truncated to the shortest (SRFI-1).
 *
 * @example
 * import { list } from "../values.ts";
 * columns("map", [list(1, 2, 3), list(4, 5)]); // [[1, 4], [2, 5]]
 */
export function columns(who: string, lists: Datum[]): Datum[][] {
  const arrays = lists.map((l, i) => expectList(who, l, i + 2));
  const length = Math.min(...arrays.map((a) => a.length));
  const rows: Datum[][] = [];
  for (let i = 0; i < length; i++) rows.push(arrays.map((a) => a[i]!));
  return rows;
}

/**
 * @example
 * truthy(false); // false
 * truthy(0); // true
 */
export function truthy(value: Datum): boolean {
  return value !== false;
}

function cxr(table: BuiltinTable, path: string): void {
  const name = `c${path}r`;
  table.define(name, 1, 1, ([x]) => {
    let value = x!;
    for (let i = path.length - 1; i >= 0; i--) {
      const pair = expectPair(name, value, 1);
      value = path[i] === "a" ? pair.car : pair.cdr;
    }
    return value;
  });
}

/**
 * @example
 * import { isEqual } from "../equality.ts";
 * import { writeString } from "../printer.ts";
 * import { list } from "../values.ts";
 * writeString(memberBy("member", isEqual)([2, list(1, 2, 3)])); // "(2 3)"
 */
export function memberBy(who: string, same: (a: Datum, b: Datum) => boolean) {
  return ([x, list]: Datum[]): Datum => {
    let cursor = list!;
    const check = new CycleCheck(cursor);
    while (cursor instanceof Pair) {
      if (same(x!, cursor.car)) return cursor;
      cursor = cursor.cdr;
      if (!check.fresh(cursor)) throw notAList(who, list!, 2);
    }
    if (cursor !== NIL) expectList(who, list!, 2);
    return false;
  };
}

/**
 * The error for a circular list where a list was expected, as Guile's wrong-type-arg.
 *
 * @example
 * import { NIL, Pair } from "../values.ts";
 * const ring = new Pair(1, NIL);
 * ring.cdr = ring;
 * notAList("length", ring, 1).code; // "wrong-type-arg"
 * notAList("length", ring, 1).message; // "length: wrong type argument in position 1 (expecting list): a circular list"
 */
export function notAList(who: string, value: Datum, position: number): SchemeError {
  return new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting list): a circular list`);
}

/**
 * @example
 * import { isEqual } from "../equality.ts";
 * import { writeString } from "../printer.ts";
 * import { list, Pair, schemeString } from "../values.ts";
 * writeString(assocBy("assoc", isEqual)([schemeString("k"), list(new Pair(schemeString("k"), 1))])); // '("k" . 1)'
 */
export function assocBy(who: string, same: (a: Datum, b: Datum) => boolean) {
  return ([key, alist]: Datum[]): Datum => {
    for (const entry of expectList(who, alist!, 2)) {
      if (entry instanceof Pair && same(key!, entry.car)) return entry;
      if (!(entry instanceof Pair)) throw new SchemeError("wrong-type-arg", `${who}: association list entry is not a pair`);
    }
    return false;
  };
}

/**
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { list } from "../values.ts";
 * const scheme = createInterpreter();
 * // equal? when the program gives no procedure, else the program's own
 * equalityArgument(scheme.evaluator, undefined)(list(1), list(1)); // true
 * equalityArgument(scheme.evaluator, scheme.evalString("eq?"))(list(1), list(1)); // false
 */
export function equalityArgument(ev: Evaluator, proc: Datum | undefined): (a: Datum, b: Datum) => boolean {
  if (proc === undefined) return isEqual;
  return (a, b) => truthy(ev.apply(proc, [a, b]));
}

/**
 * Registers the list procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineListBuiltins(table);
 * table.modules.get("guile")?.has("assoc-ref"); // true
 */
export function defineListBuiltins(table: BuiltinTable): void {
  table.define("cons", 2, 2, ([a, b]) => new Pair(a!, b!));
  table.define("cons*", 1, -1, (args) => arrayToList(args.slice(0, -1), args[args.length - 1]!));
  table.define("list", 0, -1, (args) => arrayToList(args));
  table.define("car", 1, 1, ([p]) => expectPair("car", p!, 1).car);
  table.define("cdr", 1, 1, ([p]) => expectPair("cdr", p!, 1).cdr);
  for (const path of ["aa", "ad", "da", "dd", "aaa", "aad", "ada", "add", "daa", "dad", "dda", "ddd", "addd", "dddd"]) {
    cxr(table, path);
  }
  table.define("set-car!", 2, 2, ([p, v]) => {
    expectPair("set-car!", p!, 1).car = v!;
    return false;
  });
  table.define("set-cdr!", 2, 2, ([p, v]) => {
    expectPair("set-cdr!", p!, 1).cdr = v!;
    return false;
  });
  table.define("length", 1, 1, ([l]) => expectList("length", l!, 1).length);
  table.define("append", 0, -1, (args) => {
    if (args.length === 0) return NIL;
    let result = args[args.length - 1]!;
    for (let i = args.length - 2; i >= 0; i--) result = arrayToList(expectList("append", args[i]!, i + 1), result);
    return result;
  });
  table.define("reverse", 1, 1, ([l]) => arrayToList(expectList("reverse", l!, 1).reverse()));
  table.define("list-ref", 2, 2, ([l, k]) => {
    const index = expectIndex("list-ref", k!, 2);
    let cursor = l!;
    for (let i = 0; i < index && cursor instanceof Pair; i++) cursor = cursor.cdr;
    if (!(cursor instanceof Pair)) throw outOfRange("list-ref", k!, 2);
    return cursor.car;
  });
  table.define("list-tail", 2, 2, ([l, k]) => {
    const index = expectIndex("list-tail", k!, 2);
    let cursor = l!;
    for (let i = 0; i < index; i++) {
      if (!(cursor instanceof Pair)) throw outOfRange("list-tail", k!, 2);
      cursor = cursor.cdr;
    }
    return cursor;
  });
  table.define("list-copy", 1, 1, ([l]) => arrayToList(expectList("list-copy", l!, 1)));
  table.define("last-pair", 1, 1, ([l]) => {
    let cursor = expectPair("last-pair", l!, 1);
    const check = new CycleCheck(cursor);
    while (cursor.cdr instanceof Pair) {
      cursor = cursor.cdr;
      if (!check.fresh(cursor)) throw notAList("last-pair", l!, 1);
    }
    return cursor;
  });
  table.define("list?", 1, 1, ([x]) => isProperList(x!));
  table.define("pair?", 1, 1, ([x]) => x instanceof Pair);
  table.define("null?", 1, 1, ([x]) => x === NIL);
  table.define("memq", 2, 2, memberBy("memq", eq));
  table.define("memv", 2, 2, memberBy("memv", eqv));
  // Guile's core member and assoc take two arguments; SRFI-1's take an equality predicate too.
  table.define("member", 2, 2, memberBy("member", isEqual));
  table.define("assq", 2, 2, assocBy("assq", eq));
  table.define("assv", 2, 2, assocBy("assv", eqv));
  table.define("assoc", 2, 2, assocBy("assoc", isEqual));
  for (const [name, same] of [
    ["assoc-ref", isEqual],
    ["assq-ref", eq],
    ["assv-ref", eqv],
  ] as const) {
    table.define(name, 2, 2, ([alist, key]) => {
      let cursor = alist!;
      const check = new CycleCheck(cursor);
      while (cursor instanceof Pair) {
        const entry = cursor.car;
        if (entry instanceof Pair && same(key!, entry.car)) return entry.cdr;
        cursor = cursor.cdr;
        if (!check.fresh(cursor)) throw notAList(name, alist!, 1);
      }
      return false;
    });
  }
  table.define("acons", 3, 3, ([k, v, alist]) => new Pair(new Pair(k!, v!), alist!));
  table.define("map", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("map", f!, 1);
    return arrayToList(columns("map", lists).map((row) => ev.apply(proc, row)));
  });
  table.define("for-each", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("for-each", f!, 1);
    for (const row of columns("for-each", lists)) ev.apply(proc, row);
    return false;
  });
  table.define("apply", 1, -1, ([f, ...args], ev) => {
    const last = args.pop();
    const spread = last === undefined ? [] : expectList("apply", last, args.length + 2);
    return ev.apply(f!, [...args, ...spread]);
  });
  table.define("filter", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("filter", f!, 1);
    return arrayToList(expectList("filter", l!, 2).filter((x) => truthy(ev.apply(proc, [x]))));
  });
  table.define("delete", 2, 3, ([x, l, same], ev) => {
    const equal = equalityArgument(ev, same);
    return arrayToList(expectList("delete", l!, 2).filter((y) => !equal(x!, y)));
  });
  // Guile's delete with eq? and eqv?, as memq and memv are member with them.
  for (const [name, same] of [
    ["delq", eq],
    ["delv", eqv],
  ] as const) {
    table.define(name, 2, 2, ([x, l]) => arrayToList(expectList(name, l!, 2).filter((y) => !same(x!, y))));
  }
  table.define("iota", 1, 3, ([count, start, step]) => {
    const n = expectIndex("iota", count!, 1);
    if (n > 10_000_000) throw new SchemeError("limit-exceeded", `iota: ${n} elements is more than this evaluator builds`);
    const from = start === undefined ? 0 : expectNumber("iota", start, 2);
    const by = step === undefined ? 1 : expectNumber("iota", step, 3);
    // The elements and their pairs, reserved before either exists.
    reserve(n * (8 + PAIR_BYTES));
    // start + i*step, so an inexact start or step makes every element inexact: (iota 3 0 0.5) is (0.0 0.5 1.0).
    const items: Datum[] = [];
    for (let i = 0; i < n; i++) items.push(add(from, multiply(i, by)));
    if (!isExact(from) || !isExact(by)) return arrayToList(items.map((x) => toInexact(x as SchemeNumber)));
    return arrayToList(items);
  });
  table.define("sort", 2, 2, ([l, less], ev) => {
    const proc = expectProcedure("sort", less!, 2);
    const items = Array.isArray(l) ? [...l] : expectList("sort", l!, 1);
    const sorted = mergeSort(items, (a, b) => truthy(ev.apply(proc, [a, b])));
    return Array.isArray(l) ? sorted : arrayToList(sorted);
  });
}

function mergeSort(items: Datum[], less: (a: Datum, b: Datum) => boolean): Datum[] {
  if (items.length <= 1) return items;
  const mid = items.length >> 1;
  const left = mergeSort(items.slice(0, mid), less);
  const right = mergeSort(items.slice(mid), less);
  const out: Datum[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(less(right[j]!, left[i]!) ? right[j++]! : left[i++]!);
  return out.concat(left.slice(i), right.slice(j));
}
