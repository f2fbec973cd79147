/**
 * The value of a clause expression when it can be known without evaluating:
 * literals, quoted data and `(list LITERAL ...)`. Used for forms the
 * evaluator never reached (after a load error), so the rest of the file is
 * still checked.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import { writeString } from "../scheme/printer.ts";
 * const read = (text: string) => readSource(new SourceText("m.scm", text))[0].datum;
 * writeString(staticValue(read('(list "x86_64-linux")'))); // '("x86_64-linux")'
 * staticValue(read('(getenv "HOME")')) === UNKNOWN; // true
 */
import { Flonum, NIL, Pair, Rational, SchemeString, Sym, arrayToList, type Datum } from "../scheme/values.ts";

/** Marks a value that needs evaluation to be known. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type StaticValue = Datum | typeof UNKNOWN;

/**
 * The literal value of `expr`, or {@link UNKNOWN}.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const read = (text: string) => readSource(new SourceText("m.scm", text))[0].datum;
 * staticValue(read("2222")); // 2222
 * // a variable needs evaluating
 * staticValue(read("%port")) === UNKNOWN; // true
 */
export function staticValue(expr: Datum): StaticValue {
  if (expr instanceof SchemeString || typeof expr === "number" || typeof expr === "bigint" || typeof expr === "boolean") return expr;
  if (expr instanceof Flonum || expr instanceof Rational) return expr;
  if (expr === NIL) return UNKNOWN; // `()` unquoted is an error in Guile; leave it to evaluation
  if (!(expr instanceof Pair) || !(expr.car instanceof Sym)) return UNKNOWN;
  const head = expr.car.name;
  if (head === "quote" && expr.cdr instanceof Pair && expr.cdr.cdr === NIL) return expr.cdr.car;
  if (head === "list") {
    const items: Datum[] = [];
    for (let cursor = expr.cdr; cursor !== NIL; cursor = (cursor as Pair).cdr) {
      if (!(cursor instanceof Pair)) return UNKNOWN;
      const item = staticValue(cursor.car);
      if (item === UNKNOWN) return UNKNOWN;
      items.push(item);
    }
    return arrayToList(items);
  }
  return UNKNOWN;
}
