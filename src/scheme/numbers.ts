/**
 * Guile's numeric tower as far as config files need it: exact integers of
 * any size, exact rationals and inexact reals, with exactness contagion.
 *
 * @example
 * import { Flonum } from "./values.ts";
 * add(1, 2); // 3
 * // an exact fraction is a Rational, an inexact number a Flonum
 * divide(1, 3); // { num: 1n, den: 3n }
 * add(1, new Flonum(0.5)); // { value: 1.5 }
 * // past 2^53 an exact integer is a bigint
 * multiply(2 ** 53, 2); // 18014398509481984n
 */
import { exactInteger, makeRational } from "../../grammar/numbers.ts";
import { Flonum, Rational, type Datum } from "./values.ts";
import { SchemeError } from "./errors.ts";

export type SchemeNumber = number | bigint | Rational | Flonum;

/**
 * True for every number representation.
 *
 * @example
 * import { Flonum } from "./values.ts";
 * isNumber(new Flonum(2)); // true
 * isNumber("2"); // false
 */
export function isNumber(value: Datum): value is SchemeNumber {
  return typeof value === "number" || typeof value === "bigint" || value instanceof Flonum || value instanceof Rational;
}

/**
 * True for exact integers.
 *
 * @example
 * import { Flonum } from "./values.ts";
 * isExactInteger(2n ** 70n); // true
 * isExactInteger(new Flonum(2)); // false
 */
export function isExactInteger(value: Datum): value is number | bigint {
  return typeof value === "number" || typeof value === "bigint";
}

/**
 * True for integers, exact or inexact (`2.0` is an integer).
 *
 * @example
 * import { Flonum } from "./values.ts";
 * isInteger(new Flonum(2)); // true
 */
export function isInteger(value: Datum): boolean {
  return isExactInteger(value) || (value instanceof Flonum && Number.isInteger(value.value));
}

/**
 * @example
 * import { Flonum, Rational } from "./values.ts";
 * isExact(new Rational(1n, 3n)); // true
 * isExact(new Flonum(0.5)); // false
 */
export function isExact(value: SchemeNumber): boolean {
  return !(value instanceof Flonum);
}

/**
 * The value as a JS float.
 *
 * @example
 * import { Rational } from "./values.ts";
 * toFloat(new Rational(1n, 4n)); // 0.25
 */
export function toFloat(value: SchemeNumber): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Flonum) return value.value;
  return ratioToFloat(value.num, value.den);
}

function ratioToFloat(num: bigint, den: bigint): number {
  const n = Number(num);
  const d = Number(den);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Scale both down to keep precision for huge numerators and denominators.
  const shift = BigInt(Math.max(num.toString(2).length, den.toString(2).length) - 1000);
  return Number(num >> (shift > 0n ? shift : 0n)) / Number(den >> (shift > 0n ? shift : 0n));
}

function toRatio(value: number | bigint | Rational): [bigint, bigint] {
  if (value instanceof Rational) return [value.num, value.den];
  return [BigInt(value), 1n];
}

type Level = 0 | 1 | 2;
function level(value: SchemeNumber): Level {
  if (value instanceof Flonum) return 2;
  if (value instanceof Rational) return 1;
  return 0;
}

function binary(
  a: SchemeNumber,
  b: SchemeNumber,
  onFloat: (x: number, y: number) => number,
  onRatio: (an: bigint, ad: bigint, bn: bigint, bd: bigint) => SchemeNumber,
): SchemeNumber {
  const l = Math.max(level(a), level(b));
  if (l === 2) return new Flonum(onFloat(toFloat(a), toFloat(b)));
  const [an, ad] = toRatio(a as number | bigint | Rational);
  const [bn, bd] = toRatio(b as number | bigint | Rational);
  return onRatio(an, ad, bn, bd);
}

/**
 * @example
 * import { Rational } from "./values.ts";
 * add(new Rational(1n, 2n), new Rational(1n, 2n)); // 1
 */
export function add(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    return Number.isSafeInteger(r) ? r : exactInteger(BigInt(a) + BigInt(b));
  }
  return binary(
    a,
    b,
    (x, y) => x + y,
    (an, ad, bn, bd) => makeRational(an * bd + bn * ad, ad * bd),
  );
}

/**
 * @example
 * import { Flonum } from "./values.ts";
 * subtract(1, new Flonum(0.5)); // { value: 0.5 }
 */
export function subtract(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    return Number.isSafeInteger(r) ? r : exactInteger(BigInt(a) - BigInt(b));
  }
  return binary(
    a,
    b,
    (x, y) => x - y,
    (an, ad, bn, bd) => makeRational(an * bd - bn * ad, ad * bd),
  );
}

/**
 * @example
 * multiply(2n ** 60n, 4); // 4611686018427387904n
 */
export function multiply(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    return Number.isSafeInteger(r) ? r : exactInteger(BigInt(a) * BigInt(b));
  }
  return binary(
    a,
    b,
    (x, y) => x * y,
    (an, ad, bn, bd) => makeRational(an * bn, ad * bd),
  );
}

/**
 * @example
 * divide(6, 4); // { num: 3n, den: 2n }
 * divide(6, 3); // 2
 */
export function divide(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (isExact(b) && isZero(b)) throw new SchemeError("numerical-overflow", "/: division by zero");
  return binary(
    a,
    b,
    (x, y) => x / y,
    (an, ad, bn, bd) => makeRational(an * bd, ad * bn),
  );
}

/**
 * @example
 * import { Flonum } from "./values.ts";
 * isZero(new Flonum(-0)); // true
 */
export function isZero(a: SchemeNumber): boolean {
  if (typeof a === "number") return a === 0;
  if (typeof a === "bigint") return a === 0n;
  if (a instanceof Flonum) return a.value === 0;
  return false;
}

/**
 * -1, 0 or 1; NaN compares as NaN.
 *
 * @example
 * import { Flonum } from "./values.ts";
 * compare(1, new Flonum(1)); // 0
 * compare(new Flonum(NaN), 1); // NaN
 */
export function compare(a: SchemeNumber, b: SchemeNumber): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (level(a) === 2 && level(b) === 2) {
    const x = toFloat(a);
    const y = toFloat(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (level(a) === 2 || level(b) === 2) {
    // Exact against inexact compares exactly, as Guile does: (= 2^53+1 2.0^53) is #f.
    const x = toFloat(a);
    const y = toFloat(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return x < y ? -1 : x > y ? 1 : 0;
    return compare(toExact(a), toExact(b));
  }
  const [an, ad] = toRatio(a as number | bigint | Rational);
  const [bn, bd] = toRatio(b as number | bigint | Rational);
  const l = an * bd;
  const r = bn * ad;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * @example
 * sign(-3); // -1
 */
export function sign(a: SchemeNumber): number {
  return compare(a, 0);
}

/**
 * @example
 * import { Rational } from "./values.ts";
 * negate(new Rational(1n, 2n)); // { num: -1n, den: 2n }
 */
export function negate(a: SchemeNumber): SchemeNumber {
  if (a instanceof Flonum) return new Flonum(-a.value);
  return subtract(0, a);
}

/**
 * @example
 * import { Rational } from "./values.ts";
 * toInexact(new Rational(1n, 4n)); // { value: 0.25 }
 */
export function toInexact(a: SchemeNumber): Flonum {
  return a instanceof Flonum ? a : new Flonum(toFloat(a));
}

/**
 * The exact number equal to an inexact one (`(inexact->exact .5)` is 1/2).
 *
 * @example
 * import { Flonum } from "./values.ts";
 * toExact(new Flonum(0.5)); // { num: 1n, den: 2n }
 * toExact(new Flonum(2)); // 2
 */
export function toExact(a: SchemeNumber, who = "inexact->exact"): number | bigint | Rational {
  if (!(a instanceof Flonum)) return a;
  const x = a.value;
  if (!Number.isFinite(x)) throw new SchemeError("wrong-type-arg", `${who}: ${x} has no exact equivalent`);
  if (Number.isInteger(x)) return exactInteger(BigInt(x));
  // Every double is m * 2^e exactly.
  let den = 1n;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2;
    den *= 2n;
  }
  return makeRational(BigInt(m), den);
}

function bigOf(a: number | bigint): bigint {
  return typeof a === "bigint" ? a : BigInt(a);
}

function integerDivision(
  who: string,
  a: SchemeNumber,
  b: SchemeNumber,
  op: (x: bigint, y: bigint) => bigint,
  floatOp: (x: number, y: number) => number,
): SchemeNumber {
  if (!isInteger(a)) throw new SchemeError("wrong-type-arg", `${who}: expected an integer, got a non-integer`);
  if (!isInteger(b)) throw new SchemeError("wrong-type-arg", `${who}: expected an integer, got a non-integer`);
  if (isZero(b)) throw new SchemeError("numerical-overflow", `${who}: division by zero`);
  if (a instanceof Flonum || b instanceof Flonum) return new Flonum(floatOp(toFloat(a), toFloat(b)));
  return exactInteger(op(bigOf(a as number | bigint), bigOf(b as number | bigint)));
}

/**
 * @example
 * quotient(-7, 2); // -3
 */
export function quotient(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && b !== 0) return Math.trunc(a / b);
  return integerDivision(
    "quotient",
    a,
    b,
    (x, y) => x / y,
    (x, y) => Math.trunc(x / y),
  );
}

/**
 * @example
 * remainder(-7, 2); // -1
 */
export function remainder(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  if (typeof a === "number" && typeof b === "number" && b !== 0) return a % b;
  return integerDivision(
    "remainder",
    a,
    b,
    (x, y) => x % y,
    (x, y) => x % y,
  );
}

/**
 * @example
 * modulo(-7, 2); // 1
 */
export function modulo(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  const mod = (x: bigint, y: bigint) => {
    const r = x % y;
    return r !== 0n && r < 0n !== y < 0n ? r + y : r;
  };
  const fmod = (x: number, y: number) => {
    const r = x % y;
    return r !== 0 && r < 0 !== y < 0 ? r + y : r;
  };
  if (typeof a === "number" && typeof b === "number" && b !== 0) return fmod(a, b);
  return integerDivision("modulo", a, b, mod, fmod);
}

/**
 * Rounds with `mode`; exact rationals stay exact, as in Guile.
 *
 * @example
 * import { Flonum, Rational } from "./values.ts";
 * // to even, as Guile rounds
 * roundNumber(new Flonum(2.5), "round"); // { value: 2 }
 * roundNumber(new Rational(7n, 2n), "round"); // 4
 */
export function roundNumber(a: SchemeNumber, mode: "floor" | "ceiling" | "round" | "truncate"): SchemeNumber {
  if (isExactInteger(a)) return a;
  if (a instanceof Flonum) {
    const x = a.value;
    const r = mode === "floor" ? Math.floor(x) : mode === "ceiling" ? Math.ceil(x) : mode === "truncate" ? Math.trunc(x) : roundHalfEven(x);
    return new Flonum(r);
  }
  const { num, den } = a as Rational;
  let q = num / den;
  const r = num % den;
  if (mode === "floor" && r < 0n) q -= 1n;
  else if (mode === "ceiling" && r > 0n) q += 1n;
  else if (mode === "round") {
    const twice = 2n * (r < 0n ? -r : r);
    const away = num < 0n ? -1n : 1n;
    if (twice > den || (twice === den && q % 2n !== 0n)) q += away;
  }
  return exactInteger(q);
}

/** Round half to even, computed as Guile does (so -0.5 rounds to 0.0, not -0.0). */
function roundHalfEven(x: number): number {
  const plusHalf = x + 0.5;
  let result = Math.floor(plusHalf);
  if (plusHalf === result && plusHalf / 2 !== Math.floor(plusHalf / 2)) result -= 1;
  return result;
}

/**
 * @example
 * expt(2, 10); // 1024
 */
export function expt(base: SchemeNumber, power: SchemeNumber): SchemeNumber {
  if (power === 0) return 1;
  if (isExactInteger(power) && isExact(base)) {
    const p = bigOf(power);
    if (p >= 0n) {
      if (p > 100000n) throw new SchemeError("limit-exceeded", "expt: exponent too large");
      if (typeof base === "number" || typeof base === "bigint") return exactInteger(bigOf(base) ** p);
      const r = base as Rational;
      return makeRational(r.num ** p, r.den ** p);
    }
    if (isZero(base)) throw new SchemeError("numerical-overflow", "expt: division by zero");
    return divide(1, expt(base, exactInteger(-p)));
  }
  return new Flonum(Math.pow(toFloat(base), toFloat(power)));
}

/**
 * @example
 * absolute(-5); // 5
 */
export function absolute(a: SchemeNumber): SchemeNumber {
  if (a instanceof Flonum) return new Flonum(Math.abs(a.value));
  return sign(a) < 0 ? negate(a) : a;
}

/**
 * The number in base `radix`, as `number->string` writes it.
 *
 * @example
 * numberToString(255, 16); // "ff"
 */
export function numberToString(a: SchemeNumber, radix = 10): string {
  if (typeof a === "number" || typeof a === "bigint") return a.toString(radix);
  if (a instanceof Rational) return `${a.num.toString(radix)}/${a.den.toString(radix)}`;
  return formatFlonum(a.value, radix);
}

/**
 * Guile's `write` form of a float: 2.0, 0.5, 1.0e21, 1.0e-4, +inf.0, +nan.0.
 *
 * @example
 * formatFlonum(1e21); // "1.0e21"
 * formatFlonum(2); // "2.0"
 */
export function formatFlonum(x: number, radix = 10): string {
  if (Number.isNaN(x)) return "+nan.0";
  if (x === Infinity) return "+inf.0";
  if (x === -Infinity) return "-inf.0";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  if (radix !== 10) {
    const s = x.toString(radix);
    return s.includes(".") ? s : `${s}.0`;
  }
  // Guile writes the shortest digits positionally unless that needs more than
  // three padding zeros (or the number is below 1e-3); measured against Guile 3.0.8.
  const [mantissa, exponentText] = x.toExponential().split("e");
  const exponent = Number(exponentText);
  const digitCount = mantissa!.replace(/[-.]/g, "").length;
  const positional = exponent >= -3 && (exponent < 7 || exponent - (digitCount - 1) <= 3);
  if (!positional) {
    const m = mantissa!.includes(".") ? mantissa! : `${mantissa}.0`;
    return `${m}e${exponent}`;
  }
  const s = Math.abs(x) >= 1e21 ? BigInt(x).toString() : x.toString();
  return s.includes(".") ? s : `${s}.0`;
}
