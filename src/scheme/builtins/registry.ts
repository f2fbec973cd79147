/**
 * The table of built-in procedures and the argument checks they share.
 * Each builtin names the Guile module it lives in: `guile` for the default
 * environment, or e.g. `srfi srfi-1`, visible only after `use-modules` or via `@`.
 *
 * @example
 * const table = new BuiltinTable();
 * table.define("car", 1, 1, ([p]) => expectPair("car", p, 1).car);
 */
import { abbreviate } from "../abbreviate.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { isExactInteger, isNumber, type SchemeNumber } from "../numbers.ts";
import { writeString } from "../printer.ts";
import { Char, Pair, Sym, isProcedure, listToArray, type Datum, type Procedure } from "../values.ts";
import { Primitive } from "../values.ts";

export type BuiltinFunction = (args: Datum[], evaluator: Evaluator) => Datum;

/** Builtins by module name, then by procedure name. */
export class BuiltinTable {
  readonly modules = new Map<string, Map<string, Datum>>();

  /** Adds a primitive procedure to `module` (default: Guile's default environment). */
  define(name: string, minArgs: number, maxArgs: number, fn: BuiltinFunction, module = "guile"): void {
    this.bind(name, new Primitive(name, minArgs, maxArgs, fn), module);
  }

  /** Adds any value (a primitive, a macro) to `module`. */
  bind(name: string, value: Datum, module = "guile"): void {
    let table = this.modules.get(module);
    if (!table) {
      table = new Map();
      this.modules.set(module, table);
    }
    table.set(name, value);
  }

  /** Makes `alias` in `module` the same value as `name` in `from`. */
  reexport(name: string, from: string, module: string): void {
    const value = this.modules.get(from)?.get(name);
    if (value === undefined) throw new Error(`no builtin ${name} in ${from}`);
    this.bind(name, value, module);
  }
}

function typeError(who: string, position: number, expected: string, got: Datum): SchemeError {
  return new SchemeError(
    "wrong-type-arg",
    `${who}: wrong type argument in position ${position} (expecting ${expected}): ${abbreviate(writeString(got))}`,
  );
}

/**
 * @example
 * expectPair("car", 5, 1); // throws "car: wrong type argument in position 1 (expecting pair): 5"
 */
export function expectPair(who: string, value: Datum, position: number): Pair {
  if (value instanceof Pair) return value;
  throw typeError(who, position, "pair", value);
}

/**
 * @example
 * expectList("length", list(1, 2), 1); // [1, 2]
 */
export function expectList(who: string, value: Datum, position: number): Datum[] {
  const items = listToArray(value);
  if (items) return items;
  throw typeError(who, position, "list", value);
}

/**
 * @example
 * expectString("string-length", "abc", 1); // "abc"
 */
export function expectString(who: string, value: Datum, position: number): string {
  if (typeof value === "string") return value;
  throw typeError(who, position, "string", value);
}

/**
 * @example
 * expectSymbol("symbol->string", sym("a"), 1).name; // "a"
 */
export function expectSymbol(who: string, value: Datum, position: number): Sym {
  if (value instanceof Sym) return value;
  throw typeError(who, position, "symbol", value);
}

/**
 * @example
 * expectChar("char->integer", new Char(97), 1).code; // 97
 */
export function expectChar(who: string, value: Datum, position: number): Char {
  if (value instanceof Char) return value;
  throw typeError(who, position, "character", value);
}

/**
 * @example
 * expectNumber("+", "2", 2); // throws "+: wrong type argument in position 2 (expecting number): \"2\""
 */
export function expectNumber(who: string, value: Datum, position: number): SchemeNumber {
  if (isNumber(value)) return value;
  throw typeError(who, position, "number", value);
}

/**
 * @example
 * expectInteger("gcd", 12, 1); // 12
 */
export function expectInteger(who: string, value: Datum, position: number): number | bigint {
  if (isExactInteger(value)) return value;
  throw typeError(who, position, "exact integer", value);
}

/**
 * A small non-negative exact integer (an index or a count).
 *
 * @example
 * expectIndex("list-ref", 2, 2); // 2;  expectIndex("list-ref", -1, 2); // throws out-of-range
 */
export function expectIndex(who: string, value: Datum, position: number): number {
  if (typeof value === "number" && value >= 0) return value;
  if (isExactInteger(value)) {
    throw new SchemeError("out-of-range", `${who}: argument ${position} out of range: ${writeString(value)}`);
  }
  throw typeError(who, position, "exact non-negative integer", value);
}

/**
 * @example
 * expectProcedure("map", car, 1) === car; // true
 */
export function expectProcedure(who: string, value: Datum, position: number): Procedure {
  if (isProcedure(value)) return value;
  throw typeError(who, position, "procedure", value);
}

/**
 * @example
 * outOfRange("vector-ref", 9, 2).message; // "vector-ref: argument 2 out of range: 9"
 */
export function outOfRange(who: string, value: Datum, position: number): SchemeError {
  return new SchemeError("out-of-range", `${who}: argument ${position} out of range: ${writeString(value)}`);
}
