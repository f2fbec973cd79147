/**
 * Numeric procedures: arithmetic, comparison, rounding and predicates.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("(+ 1/2 0.5)")); // "1.0"
 * writeString(scheme.evalString("(/ 6 4)")); // "3/2"
 * scheme.evalString("(expt 2 70)"); // 1180591620717411303424n
 * writeString(scheme.evalString("(call-with-values (lambda () (floor/ 7 2)) list)")); // "(3 1)"
 */
import { SchemeError } from "../errors.ts";
import {
  absolute,
  add,
  compare,
  divide,
  expt,
  isExact,
  isExactInteger,
  isInteger,
  isNumber,
  isZero,
  modulo,
  multiply,
  negate,
  quotient,
  remainder,
  roundNumber,
  sign,
  subtract,
  toExact,
  toFloat,
  toInexact,
  type SchemeNumber,
} from "../numbers.ts";
import { Flonum, MultipleValues, Rational, type Datum } from "../values.ts";
import { expectInteger, expectNumber, type BuiltinTable } from "./registry.ts";

function numbers(who: string, args: Datum[]): SchemeNumber[] {
  return args.map((a, i) => expectNumber(who, a, i + 1));
}

/**
 * Registers the numeric procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineNumericBuiltins(table);
 * table.modules.get("guile")?.has("floor/"); // true
 */
export function defineNumericBuiltins(table: BuiltinTable): void {
  table.define("+", 0, -1, (args) => {
    if (args.length === 2) {
      const [a, b] = args;
      if (typeof a === "number" && typeof b === "number" && Number.isSafeInteger(a + b)) return a + b;
    }
    return numbers("+", args).reduce<SchemeNumber>((a, b) => add(a, b), 0);
  });
  table.define("*", 0, -1, (args) => numbers("*", args).reduce<SchemeNumber>((a, b) => multiply(a, b), 1));
  table.define("-", 1, -1, (args) => {
    const [first, ...rest] = numbers("-", args);
    return rest.length === 0 ? negate(first!) : rest.reduce((a, b) => subtract(a, b), first!);
  });
  table.define("/", 1, -1, (args) => {
    const [first, ...rest] = numbers("/", args);
    return rest.length === 0 ? divide(1, first!) : rest.reduce((a, b) => divide(a, b), first!);
  });
  const comparisons: Array<[string, (c: number) => boolean]> = [
    ["=", (c) => c === 0],
    ["<", (c) => c < 0],
    [">", (c) => c > 0],
    ["<=", (c) => c <= 0],
    [">=", (c) => c >= 0],
  ];
  for (const [name, test] of comparisons) {
    table.define(name, 1, -1, (args) => {
      if (args.length === 2) {
        const [a, b] = args;
        if (typeof a === "number" && typeof b === "number") return test(a < b ? -1 : a > b ? 1 : 0);
      }
      const ns = numbers(name, args);
      for (let i = 1; i < ns.length; i++) if (!test(compare(ns[i - 1]!, ns[i]!))) return false;
      return true;
    });
  }
  for (const [name, pick] of [
    ["min", (c: number) => c < 0],
    ["max", (c: number) => c > 0],
  ] as const) {
    table.define(name, 1, -1, (args) => {
      const ns = numbers(name, args);
      let best = ns[0]!;
      for (const n of ns.slice(1)) if (pick(compare(n, best))) best = n;
      // One inexact argument makes the result inexact.
      return ns.some((n) => !isExact(n)) ? toInexact(best) : best;
    });
  }
  table.define("abs", 1, 1, ([n]) => absolute(expectNumber("abs", n!, 1)));
  table.define("quotient", 2, 2, ([a, b]) => quotient(expectNumber("quotient", a!, 1), expectNumber("quotient", b!, 2)));
  table.define("remainder", 2, 2, ([a, b]) => remainder(expectNumber("remainder", a!, 1), expectNumber("remainder", b!, 2)));
  table.define("modulo", 2, 2, ([a, b]) => modulo(expectNumber("modulo", a!, 1), expectNumber("modulo", b!, 2)));
  // R7RS's integer divisions: floor/ and truncate/ return quotient and remainder as two values.
  const floorQuotient = (a: SchemeNumber, b: SchemeNumber) => quotient(subtract(a, modulo(a, b)), b);
  table.define("floor/", 2, 2, ([a, b]) => {
    const [x, y] = [expectNumber("floor/", a!, 1), expectNumber("floor/", b!, 2)];
    return new MultipleValues([floorQuotient(x, y), modulo(x, y)]);
  });
  table.define("truncate/", 2, 2, ([a, b]) => {
    const [x, y] = [expectNumber("truncate/", a!, 1), expectNumber("truncate/", b!, 2)];
    return new MultipleValues([quotient(x, y), remainder(x, y)]);
  });
  table.define("floor-quotient", 2, 2, ([a, b]) => floorQuotient(expectNumber("floor-quotient", a!, 1), expectNumber("floor-quotient", b!, 2)));
  table.define("floor-remainder", 2, 2, ([a, b]) => modulo(expectNumber("floor-remainder", a!, 1), expectNumber("floor-remainder", b!, 2)));
  table.define("truncate-quotient", 2, 2, ([a, b]) => quotient(expectNumber("truncate-quotient", a!, 1), expectNumber("truncate-quotient", b!, 2)));
  table.define("truncate-remainder", 2, 2, ([a, b]) => remainder(expectNumber("truncate-remainder", a!, 1), expectNumber("truncate-remainder", b!, 2)));
  table.define("expt", 2, 2, ([a, b]) => expt(expectNumber("expt", a!, 1), expectNumber("expt", b!, 2)));
  for (const mode of ["floor", "ceiling", "round", "truncate"] as const) {
    table.define(mode, 1, 1, ([n]) => roundNumber(expectNumber(mode, n!, 1), mode));
  }
  table.define("exact->inexact", 1, 1, ([n]) => toInexact(expectNumber("exact->inexact", n!, 1)));
  table.define("inexact->exact", 1, 1, ([n]) => toExact(expectNumber("inexact->exact", n!, 1)));
  table.define("exact", 1, 1, ([n]) => toExact(expectNumber("exact", n!, 1), "exact"), "rnrs base");
  table.define("inexact", 1, 1, ([n]) => toInexact(expectNumber("inexact", n!, 1)), "rnrs base");
  table.define("sqrt", 1, 1, ([n]) => {
    const x = expectNumber("sqrt", n!, 1);
    if (sign(x) < 0) throw new SchemeError("wrong-type-arg", "sqrt: complex results are not supported");
    if (isExactInteger(x)) {
      const big = BigInt(x);
      const root = bigSqrt(big);
      if (root * root === big) return typeof x === "number" ? Number(root) : root;
    }
    if (x instanceof Rational) {
      const num = bigSqrt(x.num);
      const den = bigSqrt(x.den);
      if (num * num === x.num && den * den === x.den) return new Rational(num, den);
    }
    return new Flonum(Math.sqrt(toFloat(x)));
  });
  table.define("gcd", 0, -1, (args) => args.map((a, i) => expectInteger("gcd", a, i + 1)).reduce<SchemeNumber>((a, b) => gcd(a, b), 0));
  table.define("lcm", 0, -1, (args) =>
    args
      .map((a, i) => expectInteger("lcm", a, i + 1))
      .reduce<SchemeNumber>((a, b) => {
        if (isZero(a) || isZero(b)) return 0;
        return absolute(divide(multiply(a, b), gcd(a, b)));
      }, 1),
  );
  for (const [name, fn] of [
    ["exp", Math.exp],
    ["log", Math.log],
    ["sin", Math.sin],
    ["cos", Math.cos],
    ["tan", Math.tan],
    ["asin", Math.asin],
    ["acos", Math.acos],
  ] as const) {
    table.define(name, 1, 1, ([x]) => new Flonum(fn(toFloat(expectNumber(name, x!, 1)))));
  }
  table.define(
    "atan",
    1,
    2,
    ([y, x]) =>
      new Flonum(
        x === undefined
          ? Math.atan(toFloat(expectNumber("atan", y!, 1)))
          : Math.atan2(toFloat(expectNumber("atan", y!, 1)), toFloat(expectNumber("atan", x, 2))),
      ),
  );
  table.define("number?", 1, 1, ([x]) => isNumber(x!));
  table.define("complex?", 1, 1, ([x]) => isNumber(x!));
  table.define("real?", 1, 1, ([x]) => isNumber(x!));
  table.define("rational?", 1, 1, ([x]) => isNumber(x!) && (!(x instanceof Flonum) || Number.isFinite(x.value)));
  table.define("integer?", 1, 1, ([x]) => isInteger(x!));
  table.define("exact-integer?", 1, 1, ([x]) => isExactInteger(x!));
  table.define("exact?", 1, 1, ([x]) => isExact(expectNumber("exact?", x!, 1)));
  table.define("inexact?", 1, 1, ([x]) => !isExact(expectNumber("inexact?", x!, 1)));
  table.define("zero?", 1, 1, ([x]) => isZero(expectNumber("zero?", x!, 1)));
  table.define("positive?", 1, 1, ([x]) => sign(expectNumber("positive?", x!, 1)) > 0);
  table.define("negative?", 1, 1, ([x]) => sign(expectNumber("negative?", x!, 1)) < 0);
  table.define("nan?", 1, 1, ([x]) => x instanceof Flonum && Number.isNaN(x.value));
  const parity = (name: string, wantOdd: boolean) =>
    table.define(name, 1, 1, ([x]) => {
      const n = expectNumber(name, x!, 1);
      if (!isInteger(n)) throw new SchemeError("wrong-type-arg", `${name}: wrong type argument in position 1 (expecting integer)`);
      const odd = n instanceof Flonum ? Math.abs(n.value % 2) === 1 : BigInt(n as number | bigint) % 2n !== 0n;
      return odd === wantOdd;
    });
  parity("even?", false);
  parity("odd?", true);
  table.define("1+", 1, 1, ([x]) => add(expectNumber("1+", x!, 1), 1));
  table.define("1-", 1, 1, ([x]) => subtract(expectNumber("1-", x!, 1), 1));
  table.define("numerator", 1, 1, ([x]) => {
    const n = expectNumber("numerator", x!, 1);
    return n instanceof Rational ? n.num : n;
  });
}

function gcd(a: SchemeNumber, b: SchemeNumber): SchemeNumber {
  let x = BigInt(a as number | bigint);
  let y = BigInt(b as number | bigint);
  if (x < 0n) x = -x;
  if (y < 0n) y = -y;
  while (y !== 0n) [x, y] = [y, x % y];
  return x <= 9007199254740991n ? Number(x) : x;
}

function bigSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}
