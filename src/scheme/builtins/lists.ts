/**
 * Pair and list procedures of Guile's default environment and SRFI-1.
 *
 * @example
 * const table = new BuiltinTable(); defineListBuiltins(table);
 */
import { eq, eqv, isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { MultipleValues, NIL, Pair, arrayToList, isProperList, listToArray, type Datum } from "../values.ts";
import {
  expectIndex,
  expectList,
  expectPair,
  expectProcedure,
  outOfRange,
  type BuiltinTable,
} from "./registry.ts";

const SRFI1 = "srfi srfi-1";

/** The lists given to a mapping procedure, truncated to the shortest (SRFI-1). */
function columns(who: string, lists: Datum[]): Datum[][] {
  const arrays = lists.map((l, i) => expectList(who, l, i + 2));
  const length = Math.min(...arrays.map((a) => a.length));
  const rows: Datum[][] = [];
  for (let i = 0; i < length; i++) rows.push(arrays.map((a) => a[i]!));
  return rows;
}

function truthy(value: Datum): boolean {
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

function memberBy(who: string, same: (a: Datum, b: Datum) => boolean) {
  return ([x, list]: Datum[]): Datum => {
    let cursor = list!;
    while (cursor instanceof Pair) {
      if (same(x!, cursor.car)) return cursor;
      cursor = cursor.cdr;
    }
    if (cursor !== NIL) expectList(who, list!, 2);
    return false;
  };
}

function assocBy(who: string, same: (a: Datum, b: Datum) => boolean) {
  return ([key, alist]: Datum[]): Datum => {
    for (const entry of expectList(who, alist!, 2)) {
      if (entry instanceof Pair && same(key!, entry.car)) return entry;
      if (!(entry instanceof Pair)) throw new SchemeError("wrong-type-arg", `${who}: association list entry is not a pair`);
    }
    return false;
  };
}

function equalityArgument(ev: Evaluator, proc: Datum | undefined): (a: Datum, b: Datum) => boolean {
  if (proc === undefined) return isEqual;
  return (a, b) => truthy(ev.apply(proc, [a, b]));
}

/** Registers the list procedures. */
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
    while (cursor.cdr instanceof Pair) cursor = cursor.cdr;
    return cursor;
  });
  table.define("list?", 1, 1, ([x]) => isProperList(x!));
  table.define("pair?", 1, 1, ([x]) => x instanceof Pair);
  table.define("null?", 1, 1, ([x]) => x === NIL);
  table.define("memq", 2, 2, memberBy("memq", eq));
  table.define("memv", 2, 2, memberBy("memv", eqv));
  // Guile's core member and assoc take two arguments; SRFI-1's take an equality predicate too.
  table.define("member", 2, 2, memberBy("member", isEqual));
  table.define("member", 2, 3, (args, ev) => memberBy("member", equalityArgument(ev, args[2]))(args), SRFI1);
  table.define("assq", 2, 2, assocBy("assq", eq));
  table.define("assv", 2, 2, assocBy("assv", eqv));
  table.define("assoc", 2, 2, assocBy("assoc", isEqual));
  table.define("assoc", 2, 3, (args, ev) => assocBy("assoc", equalityArgument(ev, args[2]))(args), SRFI1);
  for (const [name, same] of [
    ["assoc-ref", isEqual],
    ["assq-ref", eq],
    ["assv-ref", eqv],
  ] as const) {
    table.define(name, 2, 2, ([alist, key]) => {
      let cursor = alist!;
      while (cursor instanceof Pair) {
        const entry = cursor.car;
        if (entry instanceof Pair && same(key!, entry.car)) return entry.cdr;
        cursor = cursor.cdr;
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
  table.define("iota", 1, 3, ([count, start, step], _ev) => {
    const n = expectIndex("iota", count!, 1);
    if (n > 10_000_000) throw new SchemeError("limit-exceeded", `iota: ${n} elements is more than this evaluator builds`);
    const items: Datum[] = [];
    const from = start ?? 0;
    const by = step ?? 1;
    if (typeof from === "number" && typeof by === "number") for (let i = 0; i < n; i++) items.push(from + i * by);
    else throw new SchemeError("wrong-type-arg", "iota: start and step must be small exact integers");
    return arrayToList(items);
  });
  table.define("delete-duplicates", 1, 2, ([l, same], ev) => {
    const equal = equalityArgument(ev, same);
    const kept: Datum[] = [];
    for (const x of expectList("delete-duplicates", l!, 1)) if (!kept.some((y) => equal(y, x))) kept.push(x);
    return arrayToList(kept);
  }, SRFI1);
  table.define("sort", 2, 2, ([l, less], ev) => {
    const proc = expectProcedure("sort", less!, 2);
    const items = Array.isArray(l) ? [...l] : expectList("sort", l!, 1);
    const sorted = mergeSort(items, (a, b) => truthy(ev.apply(proc, [a, b])));
    return Array.isArray(l) ? sorted : arrayToList(sorted);
  });
  defineSrfi1(table);
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

function defineSrfi1(table: BuiltinTable): void {
  for (const name of ["cons*", "list-copy", "filter", "delete", "iota", "map", "for-each"]) {
    table.reexport(name, "guile", SRFI1);
  }
  const nth = (name: string, index: number) =>
    table.define(
      name,
      1,
      1,
      ([l]) => {
        let cursor = l!;
        for (let i = 0; i < index; i++) cursor = expectPair(name, cursor, 1).cdr;
        return expectPair(name, cursor, 1).car;
      },
      SRFI1,
    );
  ["first", "second", "third", "fourth", "fifth"].forEach((name, i) => nth(name, i));
  table.define("last", 1, 1, ([l]) => {
    let cursor = expectPair("last", l!, 1);
    while (cursor.cdr instanceof Pair) cursor = cursor.cdr;
    return cursor.car;
  }, SRFI1);
  table.define("remove", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("remove", f!, 1);
    return arrayToList(expectList("remove", l!, 2).filter((x) => !truthy(ev.apply(proc, [x]))));
  }, SRFI1);
  table.define("partition", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("partition", f!, 1);
    const yes: Datum[] = [];
    const no: Datum[] = [];
    for (const x of expectList("partition", l!, 2)) (truthy(ev.apply(proc, [x])) ? yes : no).push(x);
    return new MultipleValues([arrayToList(yes), arrayToList(no)]);
  }, SRFI1);
  table.define("fold", 3, -1, ([f, init, ...lists], ev) => {
    const proc = expectProcedure("fold", f!, 1);
    let acc = init!;
    for (const row of columns("fold", lists)) acc = ev.apply(proc, [...row, acc]);
    return acc;
  }, SRFI1);
  table.define("fold-right", 3, -1, ([f, init, ...lists], ev) => {
    const proc = expectProcedure("fold-right", f!, 1);
    let acc = init!;
    const rows = columns("fold-right", lists);
    for (let i = rows.length - 1; i >= 0; i--) acc = ev.apply(proc, [...rows[i]!, acc]);
    return acc;
  }, SRFI1);
  table.define("reduce", 3, 3, ([f, ridentity, l], ev) => {
    const proc = expectProcedure("reduce", f!, 1);
    const items = expectList("reduce", l!, 3);
    if (items.length === 0) return ridentity!;
    let acc = items[0]!;
    for (let i = 1; i < items.length; i++) acc = ev.apply(proc, [items[i]!, acc]);
    return acc;
  }, SRFI1);
  table.define("append-map", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("append-map", f!, 1);
    const out: Datum[] = [];
    for (const row of columns("append-map", lists)) out.push(...expectList("append-map", ev.apply(proc, row), 1));
    return arrayToList(out);
  }, SRFI1);
  table.define("filter-map", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("filter-map", f!, 1);
    const out: Datum[] = [];
    for (const row of columns("filter-map", lists)) {
      const value = ev.apply(proc, row);
      if (truthy(value)) out.push(value);
    }
    return arrayToList(out);
  }, SRFI1);
  table.define("list-tabulate", 2, 2, ([n, f], ev) => {
    const count = expectIndex("list-tabulate", n!, 1);
    const proc = expectProcedure("list-tabulate", f!, 2);
    const out: Datum[] = [];
    for (let i = 0; i < count; i++) out.push(ev.apply(proc, [i]));
    return arrayToList(out);
  }, SRFI1);
  table.define("any", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("any", f!, 1);
    for (const row of columns("any", lists)) {
      const value = ev.apply(proc, row);
      if (truthy(value)) return value;
    }
    return false;
  }, SRFI1);
  table.define("every", 2, -1, ([f, ...lists], ev) => {
    const proc = expectProcedure("every", f!, 1);
    let last: Datum = true;
    for (const row of columns("every", lists)) {
      last = ev.apply(proc, row);
      if (!truthy(last)) return false;
    }
    return last;
  }, SRFI1);
  table.define("find", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("find", f!, 1);
    return expectList("find", l!, 2).find((x) => truthy(ev.apply(proc, [x]))) ?? false;
  }, SRFI1);
  table.define("count", 2, 2, ([f, l], ev) => {
    const proc = expectProcedure("count", f!, 1);
    return expectList("count", l!, 2).filter((x) => truthy(ev.apply(proc, [x]))).length;
  }, SRFI1);
  table.define("take", 2, 2, ([l, k]) => {
    const n = expectIndex("take", k!, 2);
    const items = listToArray(l!) ?? [];
    if (n > items.length) throw outOfRange("take", k!, 2);
    return arrayToList(items.slice(0, n));
  }, SRFI1);
  table.define("drop", 2, 2, ([l, k]) => {
    const n = expectIndex("drop", k!, 2);
    let cursor = l!;
    for (let i = 0; i < n; i++) cursor = expectPair("drop", cursor, 1).cdr;
    return cursor;
  }, SRFI1);
  table.define("concatenate", 1, 1, ([ls]) =>
    arrayToList(expectList("concatenate", ls!, 1).flatMap((l, i) => expectList("concatenate", l, i + 1))), SRFI1);
}

