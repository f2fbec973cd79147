/**
 * Identifiers and the hygiene of `syntax-rules` macros. A name a macro's
 * template introduces is not the plain symbol but a {@link Renamed} alias of
 * it: a binding form in the expansion binds the alias itself, so it never
 * captures the user's variable of the same name, and a free alias means what
 * its symbol meant where the macro was defined, whatever the user has bound
 * at the use site. This is explicit renaming (Clinger's "Macros that work").
 *
 * @example
 * import { Environment } from "./environment.ts";
 * import { writeString } from "./printer.ts";
 * import { list, sym } from "./values.ts";
 * const alias = new Renamed(sym("tmp"), new Environment());
 * alias.symbol === sym("tmp"); // true
 * identifierName(alias); // "tmp"
 * // plain data again, as `quote` sees it
 * writeString(stripSyntax(list(alias, 1))); // "(tmp 1)"
 */
import type { Environment } from "./environment.ts";
import { Pair, Sym, type Datum, type SchemeObject } from "./values.ts";

/** A name introduced by one macro expansion, closed over the macro's definition environment. */
export class Renamed implements SchemeObject {
  readonly schemeType = "identifier";
  constructor(
    /** The identifier it renames: a symbol, or the alias of an enclosing expansion. */
    readonly symbol: Identifier,
    /** Where the macro was defined: a free alias is looked up there. */
    readonly env: Environment,
  ) {}
}

/** What binding forms bind and variable references name. */
export type Identifier = Sym | Renamed;

/**
 * True for symbols and macro-introduced aliases.
 *
 * @example
 * import { sym } from "./values.ts";
 * isIdentifier(sym("x")); // true
 * isIdentifier("x"); // false
 */
export function isIdentifier(value: Datum): value is Identifier {
  return value instanceof Sym || value instanceof Renamed;
}

/**
 * The symbol an identifier was written as.
 *
 * @example
 * import { Environment } from "./environment.ts";
 * import { sym } from "./values.ts";
 * const env = new Environment();
 * baseSymbol(new Renamed(new Renamed(sym("t"), env), env)) === sym("t"); // true
 */
export function baseSymbol(id: Identifier): Sym {
  let cursor: Identifier = id;
  while (cursor instanceof Renamed) cursor = cursor.symbol;
  return cursor;
}

/** The name an identifier was written as. */
export function identifierName(id: Identifier): string {
  return baseSymbol(id).name;
}

/**
 * True when `value` is an identifier written as `name` (keywords such as `else`, `...`, `=>`).
 *
 * @example
 * import { Environment } from "./environment.ts";
 * import { sym } from "./values.ts";
 * isNamed(new Renamed(sym("else"), new Environment()), sym("else")); // true
 * isNamed(sym("otherwise"), sym("else")); // false
 */
export function isNamed(value: Datum, name: Sym): boolean {
  return value === name || (value instanceof Renamed && baseSymbol(value) === name);
}

/**
 * `syntax->datum`: the datum with every alias replaced by its symbol, sharing
 * structure when nothing changes (quoted data from source code is returned as is).
 *
 * @example
 * import { Environment } from "./environment.ts";
 * import { list, sym } from "./values.ts";
 * const data = list(sym("x"), 1);
 * stripSyntax(data) === data; // true
 * stripSyntax(list(new Renamed(sym("x"), new Environment()))); // { car: { name: "x" } }
 */
export function stripSyntax(value: Datum): Datum {
  if (value instanceof Renamed) return baseSymbol(value);
  if (value instanceof Pair) {
    // Along the spine iteratively: a long list must not cost stack depth.
    const cars: Datum[] = [];
    let changed = false;
    let cursor: Datum = value;
    for (; cursor instanceof Pair; cursor = cursor.cdr) {
      const car = stripSyntax(cursor.car);
      changed ||= car !== cursor.car;
      cars.push(car);
    }
    const tail = stripSyntax(cursor);
    if (!changed && tail === cursor) return value;
    let result = tail;
    for (let i = cars.length - 1; i >= 0; i--) result = new Pair(cars[i]!, result);
    return result;
  }
  if (Array.isArray(value)) {
    const items = value.map(stripSyntax);
    return items.every((item, i) => item === value[i]) ? value : items;
  }
  return value;
}
