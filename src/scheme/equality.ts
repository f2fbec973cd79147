/**
 * Scheme's equivalence predicates, with Guile's identity semantics: `eq?`
 * and `eqv?` compare objects, not contents. Strings are JS values here, so
 * two strings are never `eq?` or `eqv?` — which is Guile's answer for two
 * literals or two strings built apart (`(eqv? "a" "a")` is #f, and
 * `(case "x86_64" (("x86_64") ...))` takes the else branch); it differs from
 * Guile only for one string object compared with itself.
 *
 * @example
 * isEqual(list(1, "a"), list(1, "a")); // true
 * eqv(new Flonum(2), 2);               // false: exactness differs
 * eqv("a", "a");                       // false: two string objects
 */
import { Bytevector, Char, Flonum, Pair, Rational, RecordInstance, type Datum } from "./values.ts";

const FIXNUM_LIMIT = 2n ** 61n;

/** `eq?`: identity (small integers and characters compare by value, as in Guile). */
export function eq(a: Datum, b: Datum): boolean {
  // Guile's fixnums (up to 2^61) are immediate; bigger integers are objects, like strings.
  if (a === b) return typeof a === "bigint" ? a >= -FIXNUM_LIMIT && a < FIXNUM_LIMIT : typeof a !== "string";
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  return false;
}

/** `eqv?`: identity, plus numbers and characters by value. */
export function eqv(a: Datum, b: Datum): boolean {
  if (a === b) return typeof a !== "string";
  if (a instanceof Flonum && b instanceof Flonum) return Object.is(a.value, b.value) || (Number.isNaN(a.value) && Number.isNaN(b.value));
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  if (a instanceof Rational && b instanceof Rational) return a.num === b.num && a.den === b.den;
  return false;
}

/** `equal?`: structural equality of pairs, strings, vectors and bytevectors. */
export function isEqual(a: Datum, b: Datum): boolean {
  for (;;) {
    if (a === b || eqv(a, b)) return true;
    if (a instanceof Pair && b instanceof Pair) {
      if (!isEqual(a.car, b.car)) return false;
      a = a.cdr;
      b = b.cdr;
      continue;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const other: Datum[] = b;
      return a.length === other.length && a.every((x, i) => isEqual(x, other[i]!));
    }
    if (a instanceof Bytevector && b instanceof Bytevector) {
      const other = b.bytes;
      return a.bytes.length === other.length && a.bytes.every((x, i) => x === other[i]);
    }
    if (a instanceof RecordInstance && b instanceof RecordInstance) return false;
    return false;
  }
}
