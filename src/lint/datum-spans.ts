/**
 * Spans of the elements of a list as written — `(list a b)`, `'(a b)` or
 * `(quote (a b))` — so a rule can point at the one bad element.
 *
 * @example
 * elementSpans(clause.value); // [span of "a", span of "b"] for (features (list "a" "b"))
 */
import type { Span } from "../../grammar/source.ts";
import { NIL, Pair, Sym, type Datum } from "../scheme/values.ts";

/**
 * The span of each element of a written list, or undefined if the expression is not one.
 *
 * @example
 * elementSpans(read("(getenv \"X\")")); // undefined: a call, not a list as written
 */
export function elementSpans(expr: Datum): Span[] | undefined {
  if (!(expr instanceof Pair)) return undefined;
  let items: Datum = expr;
  if (expr.car instanceof Sym && expr.car.name === "list") items = expr.cdr;
  else if (expr.car instanceof Sym && expr.car.name === "quote" && expr.cdr instanceof Pair && expr.cdr.cdr === NIL) {
    if (!(expr.cdr.car instanceof Pair)) return undefined;
    items = expr.cdr.car;
  } else return undefined;
  const spans: Span[] = [];
  for (let cursor = items; cursor instanceof Pair; cursor = cursor.cdr) {
    if (!cursor.carSpan) return undefined;
    spans.push(cursor.carSpan);
  }
  return spans;
}
