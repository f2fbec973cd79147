/**
 * Guile's hash tables: `make-hash-table`, and `hash-ref`, `hash-set!`,
 * `hash-remove!`, `hash-count`, `hash-map->list`, `hash-for-each`,
 * `hash-fold`, `hash-clear!` with their `hashq-` (eq?) and `hashv-` (eqv?)
 * forms. The order `hash-map->list` visits entries in is unspecified in
 * Guile; here it is insertion order.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString('(define h (make-hash-table))');
 * scheme.evalString('(hash-set! h "a" 1)');
 * scheme.evalString('(hash-ref h "a")'); // 1
 * scheme.evalString("(hash-ref h 'b 'none)"); // { name: "none" }
 * // hashq- compares keys with eq?, and another string "a" is another object
 * scheme.evalString('(hashq-ref h "a")'); // false
 */
import { eq, eqv, isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import { writeString } from "../printer.ts";
import { Char, Flonum, HashTable, Keyword, Pair, Rational, SchemeString, Sym, UNSPECIFIED, arrayToList, type Datum } from "../values.ts";
import { expectProcedure, type BuiltinTable } from "./registry.ts";

type Equivalence = (a: Datum, b: Datum) => boolean;

/**
 * A key under which `equal?` values agree (so `eq?` and `eqv?` ones do too).
 * Objects without structure share one key and are told apart by the equivalence.
 */
function structuralKey(value: Datum, depth = 0): string {
  if (depth > 8) return "…";
  if (value instanceof SchemeString) return `s${value.text}`;
  switch (typeof value) {
    case "number":
    case "bigint":
      return `n${value}`;
    case "boolean":
      return value ? "#t" : "#f";
  }
  if (value instanceof Sym) return `y${value.name}`;
  if (value instanceof Keyword) return `k${value.name}`;
  if (value instanceof Char) return `c${value.code}`;
  if (value instanceof Flonum) return `f${value.value}`;
  if (value instanceof Rational) return `r${value.num}/${value.den}`;
  if (value instanceof Pair) return `(${structuralKey(value.car, depth + 1)} . ${structuralKey(value.cdr, depth + 1)})`;
  if (Array.isArray(value)) return `#(${value.map((v) => structuralKey(v, depth + 1)).join(" ")})`;
  return "o";
}

function expectTable(who: string, value: Datum): HashTable {
  if (value instanceof HashTable) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position 1 (expecting hash-table): ${writeString(value)}`);
}

function find(table: HashTable, key: Datum, same: Equivalence): number | undefined {
  for (const index of table.index.get(structuralKey(key)) ?? []) {
    const entry = table.entries[index];
    if (entry && same(entry[0], key)) return index;
  }
  return undefined;
}

function set(table: HashTable, key: Datum, value: Datum, same: Equivalence): void {
  const found = find(table, key, same);
  if (found !== undefined) {
    table.entries[found]![1] = value;
    return;
  }
  const slot = structuralKey(key);
  const indexes = table.index.get(slot) ?? [];
  indexes.push(table.entries.length);
  table.index.set(slot, indexes);
  table.entries.push([key, value]);
  table.count++;
}

function remove(table: HashTable, key: Datum, same: Equivalence): void {
  const found = find(table, key, same);
  if (found === undefined) return;
  table.entries[found] = undefined;
  table.count--;
}

function live(table: HashTable): Array<[Datum, Datum]> {
  return table.entries.filter((e): e is [Datum, Datum] => e !== undefined);
}

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineHashTableBuiltins(table);
 * table.modules.get("guile")?.has("hash-map->list"); // true
 */
export function defineHashTableBuiltins(table: BuiltinTable): void {
  table.define("make-hash-table", 0, 1, () => new HashTable());
  table.define("hash-table?", 1, 1, ([x]) => x instanceof HashTable);
  for (const [prefix, same] of [
    ["hash", isEqual],
    ["hashq", eq],
    ["hashv", eqv],
  ] as const) {
    table.define(`${prefix}-ref`, 2, 3, ([t, key, fallback]) => {
      const h = expectTable(`${prefix}-ref`, t!);
      const found = find(h, key!, same);
      return found === undefined ? (fallback ?? false) : h.entries[found]![1];
    });
    table.define(`${prefix}-set!`, 3, 3, ([t, key, value]) => {
      set(expectTable(`${prefix}-set!`, t!), key!, value!, same);
      return value!;
    });
    table.define(`${prefix}-remove!`, 2, 2, ([t, key]) => {
      remove(expectTable(`${prefix}-remove!`, t!), key!, same);
      return UNSPECIFIED;
    });
    table.define(`${prefix}-get-handle`, 2, 2, ([t, key]) => {
      const h = expectTable(`${prefix}-get-handle`, t!);
      const found = find(h, key!, same);
      return found === undefined ? false : new Pair(h.entries[found]![0], h.entries[found]![1]);
    });
  }
  table.define("hash-count", 2, 2, ([pred, t], ev) => {
    const proc = expectProcedure("hash-count", pred!, 1);
    return live(expectTable("hash-count", t!)).filter(([k, v]) => ev.apply(proc, [k, v]) !== false).length;
  });
  table.define("hash-map->list", 2, 2, ([f, t], ev) => {
    const proc = expectProcedure("hash-map->list", f!, 1);
    return arrayToList(live(expectTable("hash-map->list", t!)).map(([k, v]) => ev.apply(proc, [k, v])));
  });
  table.define("hash-for-each", 2, 2, ([f, t], ev) => {
    const proc = expectProcedure("hash-for-each", f!, 1);
    for (const [k, v] of live(expectTable("hash-for-each", t!))) ev.apply(proc, [k, v]);
    return UNSPECIFIED;
  });
  table.define("hash-fold", 3, 3, ([f, init, t], ev) => {
    const proc = expectProcedure("hash-fold", f!, 1);
    let acc = init!;
    for (const [k, v] of live(expectTable("hash-fold", t!))) acc = ev.apply(proc, [k, v, acc]);
    return acc;
  });
  table.define("hash-clear!", 1, 1, ([t]) => {
    const h = expectTable("hash-clear!", t!);
    h.entries.length = 0;
    h.index.clear();
    h.count = 0;
    return UNSPECIFIED;
  });
}
