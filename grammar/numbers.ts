/**
 * Number syntax as Guile's reader and `string->number` accept it: integers of
 * any size, decimals (`2.`, `.5`, `1e3`), rationals (`1/3`), `+inf.0`/`+nan.0`,
 * and the `#x #b #o #d #e #i` prefixes. Complex numbers are not supported.
 *
 * @example
 * import { Flonum } from "./datum.ts";
 * parseNumber("#xff"); // 255
 * parseNumber("abc"); // undefined
 * parseNumber("2.") instanceof Flonum; // true
 * // an exact fraction is a Rational in lowest terms
 * parseNumber("6/4"); // { num: 3n, den: 2n }
 */
import { abbreviate } from "./abbreviate.ts";
import { Flonum, Rational, type Datum } from "./datum.ts";

/**
 * An exact number: a JS number when safe, otherwise a bigint.
 *
 * @example
 * exactInteger(5n); // 5
 * exactInteger(2n ** 60n); // 1152921504606846976n
 */
export function exactInteger(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The exact rational num/den in lowest terms (an integer when den divides num).
 *
 * @example
 * makeRational(6n, -4n); // { num: -3n, den: 2n }
 * makeRational(4n, 2n); // 2
 */
export function makeRational(num: bigint, den: bigint): number | bigint | Rational {
  if (den === 0n) throw new RangeError("division by zero");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  if (g !== 1n && g !== 0n) {
    num /= g;
    den /= g;
  }
  return den === 1n ? exactInteger(num) : new Rational(num, den);
}

const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-f]+$/i };

function parseUnsignedInteger(text: string, radix: number): bigint | undefined {
  if (!DIGITS[radix]!.test(text)) return undefined;
  if (radix === 10) return BigInt(text);
  const prefix = radix === 16 ? "0x" : radix === 8 ? "0o" : "0b";
  return BigInt(prefix + text);
}

const DECIMAL = /^(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:e([+-]?\d+))?$/i;

/**
 * The largest decimal exponent of an exact number: 10^1,200,000 has some
 * 4,000,000 bits, the evaluator's cap on integers. `#e1e99858182` would take
 * a minute and 40 MB to build.
 *
 * @example
 * MAX_EXACT_EXPONENT; // 1200000
 */
export const MAX_EXACT_EXPONENT = 1_200_000;

/**
 * An exact number too large to build (a RangeError: the evaluator reports it as limit-exceeded).
 *
 * @example
 * new ExactNumberTooLarge("#e1e99858182").message; // "exact number #e1e99858182 is too large (more than 4,000,000 bits)"
 */
export class ExactNumberTooLarge extends RangeError {
  constructor(text: string) {
    super(`exact number ${abbreviate(text)} is too large (more than 4,000,000 bits)`);
  }
}

/** An exact value for a decimal string: `#e1.5` is 3/2. */
function exactDecimal(intPart: string, fracPart: string, exponent: number): number | bigint | Rational {
  if (Math.abs(exponent) > MAX_EXACT_EXPONENT) throw new ExactNumberTooLarge(`#e${intPart}${fracPart ? `.${fracPart}` : ""}e${exponent}`);
  let num = BigInt((intPart || "0") + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (exponent > 0) num *= 10n ** BigInt(exponent);
  else if (exponent < 0) den *= 10n ** BigInt(-exponent);
  return makeRational(num, den);
}

type Exactness = "e" | "i" | undefined;

function parseReal(body: string, radix: number, exactness: Exactness): Datum | undefined {
  let sign = 1n;
  let text = body;
  if (text.startsWith("+") || text.startsWith("-")) {
    if (text === "+inf.0" || text === "-inf.0") {
      return exactness === "e" ? undefined : new Flonum(text[0] === "-" ? -Infinity : Infinity);
    }
    if (text === "+nan.0" || text === "-nan.0") return exactness === "e" ? undefined : new Flonum(NaN);
    if (text[0] === "-") sign = -1n;
    text = text.slice(1);
  }
  if (text === "") return undefined;
  const slash = text.indexOf("/");
  if (slash !== -1) {
    const num = parseUnsignedInteger(text.slice(0, slash), radix);
    const den = parseUnsignedInteger(text.slice(slash + 1), radix);
    if (num === undefined || den === undefined || den === 0n) return undefined;
    const exact = makeRational(sign * num, den);
    return exactness === "i" ? new Flonum(Number(sign * num) / Number(den)) : exact;
  }
  const integer = parseUnsignedInteger(text, radix);
  if (integer !== undefined) {
    const value = sign * integer;
    return exactness === "i" ? new Flonum(Number(value)) : exactInteger(value);
  }
  if (radix !== 10) return undefined;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const intPart = m[1] ?? "";
  const fracPart = m[2] ?? m[3] ?? "";
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (exactness === "e") {
    const exact = exactDecimal(intPart, fracPart, exponent);
    return sign < 0n ? negateExact(exact) : exact;
  }
  const value = Number(text);
  return new Flonum(sign < 0n ? -value : value);
}

function negateExact(value: number | bigint | Rational): number | bigint | Rational {
  if (value instanceof Rational) return new Rational(-value.num, value.den);
  return typeof value === "bigint" ? exactInteger(-value) : -value;
}

/**
 * The number `text` denotes, or `undefined` if it is not number syntax.
 *
 * @example
 * parseNumber("#e1.5"); // { num: 3n, den: 2n }
 * parseNumber("ff", 16); // 255
 * parseNumber("x86"); // undefined
 */
export function parseNumber(text: string, defaultRadix = 10): Datum | undefined {
  let radix = defaultRadix;
  let exactness: Exactness;
  let body = text;
  let sawRadix = false;
  while (body.length >= 2 && body[0] === "#") {
    const flag = body[1]!.toLowerCase();
    if ("xbod".includes(flag)) {
      if (sawRadix) return undefined;
      sawRadix = true;
      radix = flag === "x" ? 16 : flag === "b" ? 2 : flag === "o" ? 8 : 10;
    } else if (flag === "e" || flag === "i") {
      if (exactness) return undefined;
      exactness = flag;
    } else return undefined;
    body = body.slice(2);
  }
  // Every number starts with a digit, a sign or a dot; checking first keeps symbols cheap.
  const first = body.charCodeAt(0);
  if (!((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46 || radix === 16)) return undefined;
  return parseReal(body, radix, exactness);
}
