/**
 * Quasiquote expansion with unquote and unquote-splicing at any depth. The
 * template's literal parts are data: names a macro introduced into them are
 * plain symbols again (see identifiers.ts).
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * import { writeString } from "./printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("`(1 ,(+ 1 1) ,@(list 3 4))")); // "(1 2 3 4)"
 * // one level of unquote per level of quasiquote: the inner template stays a template
 * writeString(scheme.evalString("`(a `(b ,(c ,(+ 1 2))))")); // "(a (quasiquote (b (unquote (c 3)))))"
 */
import type { Span } from "../../grammar/source.ts";
import type { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { Evaluator } from "./evaluator.ts";
import { Renamed, baseSymbol, isNamed } from "./identifiers.ts";
import { NIL, Pair, arrayToList, listToArray, sym, type Datum, type Sym } from "./values.ts";

const QUASIQUOTE = sym("quasiquote");
const UNQUOTE = sym("unquote");
const UNQUOTE_SPLICING = sym("unquote-splicing");

/** `(HEAD x)` with exactly one operand. */
function isForm(x: Datum, head: Sym): boolean {
  return x instanceof Pair && isNamed(x.car, head) && x.cdr instanceof Pair && x.cdr.cdr === NIL;
}

/**
 * The value of quasiquote template `x` at nesting `depth` (1 for the outermost).
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * import { writeString } from "./printer.ts";
 * import { list, sym } from "./values.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(define x 5)");
 * // the template of `(a ,x)
 * const template = list(sym("a"), list(sym("unquote"), sym("x")));
 * writeString(expandQuasiquote(template, 1, scheme.env, scheme.evaluator, undefined)); // "(a 5)"
 */
export function expandQuasiquote(x: Datum, depth: number, env: Environment, ev: Evaluator, span: Span | undefined): Datum {
  if (x instanceof Renamed) return baseSymbol(x);
  if (Array.isArray(x)) {
    const expanded = expandQuasiquote(arrayToList(x), depth, env, ev, span);
    return listToArray(expanded) ?? [];
  }
  if (!(x instanceof Pair)) return x;
  if (isForm(x, UNQUOTE)) {
    const inner = ((x as Pair).cdr as Pair).car;
    if (depth === 1) return ev.evaluate(inner, env, ((x as Pair).cdr as Pair).carSpan);
    return new Pair(UNQUOTE, new Pair(expandQuasiquote(inner, depth - 1, env, ev, span), NIL));
  }
  if (isForm(x, QUASIQUOTE)) {
    const inner = ((x as Pair).cdr as Pair).car;
    return new Pair(QUASIQUOTE, new Pair(expandQuasiquote(inner, depth + 1, env, ev, span), NIL));
  }
  const items: Datum[] = [];
  let cursor: Datum = x;
  while (cursor instanceof Pair) {
    // `(a . ,b) is (a unquote b): the tail is an unquote form.
    if (isForm(cursor, UNQUOTE)) break;
    const item = cursor.car;
    if (isForm(item, UNQUOTE_SPLICING)) {
      const operand = (item as Pair).cdr as Pair;
      const inner = operand.car;
      if (depth === 1) {
        const spliced = ev.evaluate(inner, env, operand.carSpan);
        const elements = listToArray(spliced);
        if (!elements) throw new SchemeError("wrong-type-arg", "unquote-splicing: expected a list", span);
        items.push(...elements);
      } else {
        items.push(new Pair(UNQUOTE_SPLICING, new Pair(expandQuasiquote(inner, depth - 1, env, ev, span), NIL)));
      }
    } else {
      items.push(expandQuasiquote(item, depth, env, ev, span));
    }
    cursor = cursor.cdr;
  }
  const tail = cursor === NIL ? NIL : expandQuasiquote(cursor, depth, env, ev, span);
  return arrayToList(items, tail);
}
