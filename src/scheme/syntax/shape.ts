/**
 * Checking the shape of special forms: the operands as an array, bodies,
 * binding lists, and the one `syntax-error` every form raises when it is
 * written wrongly.
 *
 * @example
 * // form: (if x 1)
 * shape(form, 2, 3);   // [x, 1]: TEST, CONSEQUENT and no ALTERNATIVE
 * shape(form, 3, 3);   // throws syntax-error "if: bad syntax in form (if x 1)"
 */
import { abbreviate } from "../abbreviate.ts";
import { SchemeError } from "../errors.ts";
import { identifierName, isIdentifier, type Identifier } from "../identifiers.ts";
import { writeString } from "../printer.ts";
import { Pair, listToArray, type Datum } from "../values.ts";

/**
 * The `syntax-error` for a form written wrongly, located at the form.
 *
 * @example
 * badSyntax(form).message; // "if: bad syntax in form (if)"
 */
export function badSyntax(x: Pair, why?: string): SchemeError {
  const head = isIdentifier(x.car) ? identifierName(x.car) : "form";
  const reason = why ? `: ${why}` : "";
  return new SchemeError("syntax-error", `${head}: bad syntax in form ${abbreviate(writeString(x))}${reason}`, x.span);
}

/**
 * The operands of a form, which must be a proper list.
 *
 * @example
 * operands(form); // for (f a b): [a, b]
 */
export function operands(x: Pair): Datum[] {
  const items = listToArray(x.cdr);
  if (!items) throw badSyntax(x);
  return items;
}

/**
 * The operands of a form that takes from `min` to `max` of them.
 *
 * @example
 * shape(form, 1, 1); // for (quote x): [x]
 */
export function shape(x: Pair, min: number, max: number): Datum[] {
  const items = operands(x);
  if (items.length < min || items.length > max) throw badSyntax(x);
  return items;
}

/**
 * A non-empty body (the forms after a binding list).
 *
 * @example
 * body(forms, form); // the forms, or a syntax-error when there are none
 */
export function body(forms: Datum, x: Pair): Pair {
  if (!(forms instanceof Pair)) throw badSyntax(x);
  return forms;
}

/**
 * `((name init) ...)`, as pairs.
 *
 * @example
 * bindings(list, form); // for ((a 1) (b 2)): [[a, 1], [b, 2]]
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
