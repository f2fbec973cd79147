/**
 * Scheme's equivalence predicates, with Guile's identity semantics: `eq?`
 * and `eqv?` compare objects, not contents. A string is an object
 * ({@link SchemeString}), so it is `eq?` to itself and to nothing else: two
 * literals or two strings built apart are not (`(eqv? "a" "a")` is #f, and
 * `(case "x86_64" (("x86_64") ...))` takes the else branch), while
 * `(let ((s "a")) (eq? s s))` is #t, as in Guile.
 *
 * @example
 * import { Flonum, list, schemeString } from "./values.ts";
 * isEqual(list(1, schemeString("a")), list(1, schemeString("a"))); // true
 * // exactness differs
 * eqv(new Flonum(2), 2); // false
 * // two string objects, as two literals are in Guile
 * eqv(schemeString("a"), schemeString("a")); // false
 * const s = schemeString("a");
 * eqv(s, s); // true
 */
import { SchemeError } from "./errors.ts";
import { Bytevector, Char, Flonum, Pair, Rational, SchemeString, type Datum } from "./values.ts";

const FIXNUM_LIMIT = 2n ** 61n;

/**
 * `eq?`: identity (small integers and characters compare by value, as in Guile).
 *
 * @example
 * import { schemeString, sym } from "./values.ts";
 * eq(sym("a"), sym("a")); // true
 * eq(schemeString("a"), schemeString("a")); // false
 * // an integer beyond Guile's fixnums is an object of its own
 * eq(2n ** 70n, 2n ** 70n); // false
 */
export function eq(a: Datum, b: Datum): boolean {
  // Guile's fixnums (up to 2^61) are immediate; bigger integers are objects, and JS compares bigints by value.
  if (a === b) return typeof a !== "bigint" || (a >= -FIXNUM_LIMIT && a < FIXNUM_LIMIT);
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  return false;
}

/**
 * `eqv?`: identity, plus numbers and characters by value.
 *
 * @example
 * import { Flonum } from "./values.ts";
 * eqv(new Flonum(1.5), new Flonum(1.5)); // true
 * eqv(new Flonum(0), new Flonum(-0)); // false
 */
export function eqv(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (a instanceof Flonum && b instanceof Flonum) return Object.is(a.value, b.value) || (Number.isNaN(a.value) && Number.isNaN(b.value));
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  if (a instanceof Rational && b instanceof Rational) return a.num === b.num && a.den === b.den;
  return false;
}

/** Pairs compared before `equal?` gives up: an answer is owed, and circular data would otherwise never give one. */
const MAX_EQUAL_STEPS = 50_000_000;

/**
 * `equal?`: structural equality of pairs, strings, vectors and bytevectors,
 * without recursion (data nested 100,000 deep is fine). Two circular
 * structures that never differ make Guile loop forever; here they end in a
 * `limit-exceeded` error.
 *
 * @example
 * import { list, schemeString } from "./values.ts";
 * isEqual([1, list(schemeString("a"))], [1, list(schemeString("a"))]); // true
 */
export function isEqual(a: Datum, b: Datum): boolean {
  const pending: Array<[Datum, Datum]> = [[a, b]];
  let steps = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    let [x, y] = next;
    for (;;) {
      if (++steps > MAX_EQUAL_STEPS) {
        throw new SchemeError("limit-exceeded", "equal?: the data is too large or circular to compare");
      }
      if (x === y || eqv(x, y)) break;
      if (x instanceof Pair && y instanceof Pair) {
        pending.push([x.car, y.car]);
        x = x.cdr;
        y = y.cdr;
        continue;
      }
      if (Array.isArray(x) && Array.isArray(y)) {
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) pending.push([x[i]!, (y as Datum[])[i]!]);
        break;
      }
      if (x instanceof SchemeString && y instanceof SchemeString) {
        if (x.text !== y.text) return false;
        break;
      }
      if (x instanceof Bytevector && y instanceof Bytevector) {
        const other = y.bytes;
        if (x.bytes.length !== other.length || !x.bytes.every((v, i) => v === other[i])) return false;
        break;
      }
      return false;
    }
  }
  return true;
}
