/**
 * Spans of the elements of a list as written — `(list a b)`, `'(a b)` or
 * `(quote (a b))` — so a rule can point at the one bad element.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const [{ datum }] = readSource(new SourceText("m.scm", '(list "kvm"  "big-mem")'));
 * elementSpans(datum)?.map((span) => [span.start, span.text()]); // [[6, '"kvm"'], [13, '"big-mem"']]
 */
import type { Span } from "../../grammar/source.ts";
import { NIL, Pair, Sym, type Datum } from "../scheme/values.ts";

/**
 * The span of each element of a written list, or undefined if the expression is not one.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const read = (text: string) => readSource(new SourceText("m.scm", text))[0].datum;
 * elementSpans(read("'(kvm big-mem)"))?.map((span) => span.text()); // ["kvm", "big-mem"]
 * // a call is not a list as written, even when it returns one
 * elementSpans(read('(string-split "kvm big-mem" #\\space)')); // undefined
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
