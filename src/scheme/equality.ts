/**
 * Scheme's equivalence predicates.
 *
 * @example
 * isEqual(list(1, "a"), list(1, "a")); // true
 * eqv(new Flonum(2), 2);               // false: exactness differs
 */
import { Bytevector, Char, Flonum, Pair, Rational, RecordInstance, type Datum } from "./values.ts";

/** `eq?`: identity (small integers and characters compare by value, as in Guile). */
export function eq(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  return false;
}

/** `eqv?`: identity, plus numbers and characters by value. */
export function eqv(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (a instanceof Flonum && b instanceof Flonum) return Object.is(a.value, b.value) || (Number.isNaN(a.value) && Number.isNaN(b.value));
  if (a instanceof Char && b instanceof Char) return a.code === b.code;
  if (a instanceof Rational && b instanceof Rational) return a.num === b.num && a.den === b.den;
  return false;
}

/** `equal?`: structural equality of pairs, strings, vectors and bytevectors. */
export function isEqual(a: Datum, b: Datum): boolean {
  for (;;) {
    if (eqv(a, b)) return true;
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
