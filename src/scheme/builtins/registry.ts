/**
 * The table of built-in procedures and the argument checks they share.
 * Each builtin names the Guile module it lives in: `guile` for the default
 * environment, or e.g. `srfi srfi-1`, visible only after `use-modules` or via `@`.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter({
 *   extend: (table) => {
 *     table.define("first", 1, 1, ([p]) => expectPair("first", p!, 1).car);
 *     table.define("twice", 1, 1, ([n]) => 2 * expectIndex("twice", n!, 1), "my tools");
 *   },
 * });
 * scheme.evalString("(first '(1 2))"); // 1
 * // a builtin of another module is seen after use-modules
 * scheme.evalString("(use-modules (my tools)) (twice 4)"); // 8
 */
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { isExactInteger, isNumber, type SchemeNumber } from "../numbers.ts";
import { writeAbbreviated, writeString } from "../printer.ts";
import { Char, Pair, Sym, isProcedure, listToArray, stringText, type Datum, type Procedure } from "../values.ts";
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
  return new SchemeError("wrong-type-arg", `${who}: wrong type argument in position ${position} (expecting ${expected}): ${writeAbbreviated(got)}`);
}

/**
 * `value` if it is a pair, else the wrong-type-arg error Guile raises, as every check here does.
 *
 * @example
 * let message = "";
 * try {
 *   expectPair("car", 5, 1);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "car: wrong type argument in position 1 (expecting pair): 5"
 */
export function expectPair(who: string, value: Datum, position: number): Pair {
  if (value instanceof Pair) return value;
  throw typeError(who, position, "pair", value);
}

/**
 * The elements of a proper list; a circular or improper one is a wrong-type-arg error.
 *
 * @example
 * import { list } from "../values.ts";
 * expectList("length", list(1, 2), 1); // [1, 2]
 */
export function expectList(who: string, value: Datum, position: number): Datum[] {
  const items = listToArray(value);
  if (items) return items;
  throw typeError(who, position, "list", value);
}

/**
 * The text of `value` if it is a string, else a wrong-type-arg error: builtins
 * work on the JS text and make their results with `schemeString`.
 *
 * @example
 * import { schemeString } from "../values.ts";
 * expectString("string-length", schemeString("abc"), 1); // "abc"
 */
export function expectString(who: string, value: Datum, position: number): string {
  const text = stringText(value);
  if (text !== undefined) return text;
  throw typeError(who, position, "string", value);
}

/** `value` if it is a symbol, else a wrong-type-arg error. */
export function expectSymbol(who: string, value: Datum, position: number): Sym {
  if (value instanceof Sym) return value;
  throw typeError(who, position, "symbol", value);
}

/** `value` if it is a character, else a wrong-type-arg error. */
export function expectChar(who: string, value: Datum, position: number): Char {
  if (value instanceof Char) return value;
  throw typeError(who, position, "character", value);
}

/**
 * `value` if it is a number, else a wrong-type-arg error showing the value as `write` prints it.
 *
 * @example
 * import { schemeString } from "../values.ts";
 * let message = "";
 * try {
 *   expectNumber("+", schemeString("2"), 2);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // '+: wrong type argument in position 2 (expecting number): "2"'
 */
export function expectNumber(who: string, value: Datum, position: number): SchemeNumber {
  if (isNumber(value)) return value;
  throw typeError(who, position, "number", value);
}

/** `value` if it is an exact integer, else a wrong-type-arg error. */
export function expectInteger(who: string, value: Datum, position: number): number | bigint {
  if (isExactInteger(value)) return value;
  throw typeError(who, position, "exact integer", value);
}

/**
 * A small non-negative exact integer (an index or a count).
 *
 * @example
 * import type { SchemeError } from "../errors.ts";
 * expectIndex("list-ref", 2, 2); // 2
 * // a negative integer is out of range; anything else is the wrong type
 * let code = "";
 * try {
 *   expectIndex("list-ref", -1, 2);
 * } catch (error) {
 *   code = (error as SchemeError).code;
 * }
 * code; // "out-of-range"
 */
export function expectIndex(who: string, value: Datum, position: number): number {
  if (typeof value === "number" && value >= 0) return value;
  if (isExactInteger(value)) {
    throw new SchemeError("out-of-range", `${who}: argument ${position} out of range: ${writeString(value)}`);
  }
  throw typeError(who, position, "exact non-negative integer", value);
}

/** `value` if `procedure?` accepts it, else a wrong-type-arg error. */
export function expectProcedure(who: string, value: Datum, position: number): Procedure {
  if (isProcedure(value)) return value;
  throw typeError(who, position, "procedure", value);
}

/**
 * The out-of-range error of Guile's index checks.
 *
 * @example
 * outOfRange("vector-ref", 9, 2).message; // "vector-ref: argument 2 out of range: 9"
 */
export function outOfRange(who: string, value: Datum, position: number): SchemeError {
  return new SchemeError("out-of-range", `${who}: argument ${position} out of range: ${writeString(value)}`);
}
