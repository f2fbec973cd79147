/**
 * Checking the shape of special forms: the operands as an array, bodies,
 * binding lists, and the one `syntax-error` every form raises when it is
 * written wrongly.
 *
 * @example
 * import { readSource } from "../../../grammar/reader.ts";
 * import { SourceText } from "../../../grammar/source.ts";
 * import type { SchemeError } from "../errors.ts";
 * import type { Pair } from "../values.ts";
 * const [read] = readSource(new SourceText("m.scm", "(if x 1)"));
 * const form = read!.datum as Pair;
 * // TEST and CONSEQUENT, no ALTERNATIVE
 * shape(form, 2, 3); // [{ name: "x" }, 1]
 * let error: SchemeError | undefined;
 * try {
 *   shape(form, 3, 3);
 * } catch (caught) {
 *   error = caught as SchemeError;
 * }
 * error?.format(); // "m.scm:1:1: error: if: bad syntax in form (if x 1)"
 */
import { SchemeError } from "../errors.ts";
import { identifierName, isIdentifier, type Identifier } from "../identifiers.ts";
import { writeAbbreviated } from "../printer.ts";
import { Pair, listToArray, type Datum } from "../values.ts";

/**
 * The `syntax-error` for a form written wrongly, located at the form.
 *
 * @example
 * import { list, sym, type Pair } from "../values.ts";
 * badSyntax(list(sym("if")) as Pair).message; // "if: bad syntax in form (if)"
 * badSyntax(list(sym("let"), 1) as Pair, "no body").message; // "let: bad syntax in form (let 1): no body"
 */
export function badSyntax(x: Pair, why?: string): SchemeError {
  const head = isIdentifier(x.car) ? identifierName(x.car) : "form";
  const reason = why ? `: ${why}` : "";
  return new SchemeError("syntax-error", `${head}: bad syntax in form ${writeAbbreviated(x)}${reason}`, x.span);
}

/**
 * The operands of a form, which must be a proper list.
 *
 * @example
 * import { list, sym, type Pair } from "../values.ts";
 * operands(list(sym("f"), sym("a"), 2) as Pair); // [{ name: "a" }, 2]
 */
export function operands(x: Pair): Datum[] {
  const items = listToArray(x.cdr);
  if (!items) throw badSyntax(x);
  return items;
}

/** The operands of a form that takes from `min` to `max` of them, else its syntax-error (see the module's example). */
export function shape(x: Pair, min: number, max: number): Datum[] {
  const items = operands(x);
  if (items.length < min || items.length > max) throw badSyntax(x);
  return items;
}

/**
 * A non-empty body (the forms after a binding list).
 *
 * @example
 * import { NIL, list, sym, type Pair } from "../values.ts";
 * const form = list(sym("let"), NIL) as Pair;
 * let message = "";
 * try {
 *   body(NIL, form);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "let: bad syntax in form (let ())"
 */
export function body(forms: Datum, x: Pair): Pair {
  if (!(forms instanceof Pair)) throw badSyntax(x);
  return forms;
}

/**
 * `((name init) ...)`, as pairs.
 *
 * @example
 * import { list, sym, type Pair } from "../values.ts";
 * const form = list(sym("let"), list(list(sym("a"), 1), list(sym("b"), 2)), sym("a")) as Pair;
 * bindings((form.cdr as Pair).car, form); // [[{ name: "a" }, 1], [{ name: "b" }, 2]]
 */
export function bindings(list: Datum, x: Pair): Array<[Identifier, Datum]> {
  const items = listToArray(list);
  if (!items) throw badSyntax(x);
  return items.map((binding) => {
    const parts = listToArray(binding);
    if (!parts || parts.length !== 2 || !isIdentifier(parts[0]!)) throw badSyntax(x);
    return [parts[0], parts[1]!];
  });
}
