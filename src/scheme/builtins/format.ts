/**
 * `format` as `(ice-9 format)` defines it — which is the `format` a machines
 * file sees, because loading Guix's offload module installs it — and Guile's
 * core `simple-format`. Directives: ~a ~s (with mincol, colinc, minpad,
 * padchar, and ~@ to pad on the left), ~d ~x ~o ~b ~nR (with mincol,
 * padchar, commas ~: and sign ~@), ~f ~e ~$ (rounded on the decimal digits
 * as Guile does), ~c, ~% ~& ~~ ~newline, ~{ ~} (with ~: ~@ and ~^),
 * ~[ ~; ~] (with ~: ~@ and ~:;), ~* ~:* ~@*, ~? and ~y; `v` and `#` parameters.
 *
 * @example
 * import { Flonum, list } from "../values.ts";
 * formatDirectives("~2,'0d:~2,'0d", [5, 7]); // "05:07"
 * formatDirectives("~{~a~^, ~}", [list(1, 2)]); // "1, 2"
 * formatDirectives("~,2f", [new Flonum(2.675)]); // "2.68"
 * formatDirectives("~:d", [1234567]); // "1,234,567"
 */
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { isExactInteger, isNumber, toFloat, type SchemeNumber } from "../numbers.ts";
import { displayString, writeString } from "../printer.ts";
import { Char, NIL, OutputPort, UNSPECIFIED, list, listToArray, reserve, schemeString, stringText, sym, type Datum } from "../values.ts";
import { expectString, type BuiltinTable } from "./registry.ts";

/** The error Guile's format raises for a bad directive or missing argument (it also prints details on stderr). */
function formatError(detail: string): SchemeError {
  return new SchemeError("misc-error", `format: ${detail}`, undefined, {
    key: sym("misc-error"),
    args: list(false, schemeString("error in format"), NIL, false),
  });
}

/** Where formatted text goes: a string being built, with its column for ~&. */
class Output {
  text = "";
  constructor(public column: number) {}
  put(s: string): void {
    this.text += s;
    const newline = s.lastIndexOf("\n");
    this.column = newline === -1 ? this.column + s.length : s.length - newline - 1;
  }
}

/** The arguments still to be consumed by a (possibly nested) directive string. */
class Args {
  index = 0;
  constructor(readonly items: Datum[]) {}
  next(directive: string): Datum {
    if (this.index >= this.items.length) throw formatError(`missing argument for ~${directive}`);
    return this.items[this.index++]!;
  }
  get remaining(): number {
    return this.items.length - this.index;
  }
}

/** Thrown by ~^ to end the enclosing iteration. */
class StopIteration {}

type Param = number | string | undefined;

interface Directive {
  params: Param[];
  colon: boolean;
  at: boolean;
  char: string;
  /** Where the directive ends in the control string. */
  end: number;
}

/**
 * `template` with `args` substituted; `column` is where the output starts (for ~&).
 *
 * @example
 * import { schemeString } from "../values.ts";
 * formatDirectives("~a has ~d machines", [schemeString("farm"), 2]); // "farm has 2 machines"
 */
export function formatDirectives(template: string, args: Datum[], column = 0): string {
  const out = new Output(column);
  run(template, 0, template.length, new Args(args), out);
  return out.text;
}

function parseDirective(template: string, start: number, args: Args): Directive {
  const params: Param[] = [];
  let i = start;
  for (;;) {
    const c = template[i];
    if (c === "'") {
      params.push(template[i + 1]);
      i += 2;
    } else if (c === "v" || c === "V") {
      const value = args.next("v");
      params.push(typeof value === "number" ? value : value instanceof Char ? String.fromCodePoint(value.code) : undefined);
      i++;
    } else if (c === "#") {
      params.push(args.remaining);
      i++;
    } else if (c !== undefined && /[-+0-9]/.test(c)) {
      const match = /^[-+]?[0-9]+/.exec(template.slice(i))!;
      params.push(Number(match[0]));
      i += match[0].length;
    } else if (c === ",") params.push(undefined);
    if (template[i] === ",") {
      if (params.length === 0) params.push(undefined);
      i++;
      continue;
    }
    break;
  }
  let colon = false;
  let at = false;
  while (template[i] === ":" || template[i] === "@") {
    if (template[i] === ":") colon = true;
    else at = true;
    i++;
  }
  const char = template[i];
  if (char === undefined) throw formatError("the control string ends inside a directive");
  return { params, colon, at, char, end: i + 1 };
}

/** Index of the directive closing the one at `from` (`~}`, `~]`), skipping nested ones; also the `~;` separators. */
function findClosing(
  template: string,
  from: number,
  closer: string,
): { close: number; closeEnd: number; separators: Array<{ at: number; end: number; colon: boolean }> } {
  const openers: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
  const separators: Array<{ at: number; end: number; colon: boolean }> = [];
  let depth = 0;
  for (let i = from; i < template.length; i++) {
    if (template[i] !== "~") continue;
    const d = parseDirectiveShape(template, i + 1);
    if (d.char in openers) depth++;
    else if (Object.values(openers).includes(d.char)) {
      if (depth === 0) {
        if (d.char !== closer) throw formatError(`~${d.char} without its opening directive`);
        return { close: i, closeEnd: d.end, separators };
      }
      depth--;
    } else if (d.char === ";" && depth === 0) separators.push({ at: i, end: d.end, colon: d.colon });
    i = d.end - 1;
  }
  throw formatError(`~${closer === "}" ? "{" : "["} is not closed`);
}

/** A directive's extent without consuming arguments (for scanning nested control strings). */
function parseDirectiveShape(template: string, start: number): { char: string; end: number; colon: boolean } {
  let i = start;
  while (i < template.length && /[-+0-9,'#vV]/.test(template[i]!)) i += template[i] === "'" ? 2 : 1;
  let colon = false;
  while (template[i] === ":" || template[i] === "@") {
    if (template[i] === ":") colon = true;
    i++;
  }
  return { char: template[i] ?? "", end: i + 1, colon };
}

function run(template: string, start: number, end: number, args: Args, out: Output): void {
  let i = start;
  while (i < end) {
    const tilde = template.indexOf("~", i);
    if (tilde === -1 || tilde >= end) {
      out.put(template.slice(i, end));
      return;
    }
    out.put(template.slice(i, tilde));
    const d = parseDirective(template, tilde + 1, args);
    i = apply(template, d, args, out);
  }
}

/** Runs one directive; returns where the control string continues. */
function apply(template: string, d: Directive, args: Args, out: Output): number {
  const [p0, p1, p2, p3] = d.params;
  switch (d.char.toLowerCase()) {
    case "a":
    case "s": {
      const value = args.next(d.char);
      const text = d.char.toLowerCase() === "a" ? (d.colon && value === false ? "()" : displayString(value)) : writeString(value);
      out.put(pad(text, num(p0, 0), num(p1, 1), num(p2, 0), char(p3, " "), d.at));
      return d.end;
    }
    case "d":
    case "x":
    case "o":
    case "b":
      out.put(integer(args.next(d.char), { d: 10, x: 16, o: 8, b: 2 }[d.char.toLowerCase() as "d"], d));
      return d.end;
    case "r": {
      if (p0 === undefined) throw formatError("~r without a radix (number names) is not supported by this evaluator");
      out.put(integer(args.next(d.char), num(p0, 10), { ...d, params: d.params.slice(1) }));
      return d.end;
    }
    case "f":
      out.put(fixed(args.next(d.char), p0, p1, p3, char(d.params[4], " "), d.at));
      return d.end;
    case "e":
      out.put(exponential(args.next(d.char), p1));
      return d.end;
    case "$":
      out.put(fixed(args.next(d.char), p2, num(p0, 2), undefined, char(p3, " "), d.at));
      return d.end;
    case "c": {
      const value = args.next(d.char);
      if (!(value instanceof Char)) throw formatError("~c needs a character");
      out.put(d.at ? writeString(value) : String.fromCodePoint(value.code));
      return d.end;
    }
    case "%":
    case "n":
      out.put(repeated("\n", num(p0, 1)));
      return d.end;
    case "&":
      if (out.column !== 0) out.put("\n");
      if (num(p0, 1) > 1) out.put(repeated("\n", num(p0, 1) - 1));
      return d.end;
    case "~":
      out.put(repeated("~", num(p0, 1)));
      return d.end;
    case "\n": {
      let next = d.end;
      if (d.at) out.put("\n");
      if (!d.colon) while (next < template.length && /[ \t]/.test(template[next]!)) next++;
      return next;
    }
    case "y":
      out.put(`${writeString(args.next(d.char))}\n`);
      return d.end;
    case "*":
      if (d.at) args.index = num(p0, 0);
      else if (d.colon) args.index = Math.max(0, args.index - num(p0, 1));
      else for (let k = 0; k < num(p0, 1); k++) args.next("*");
      return d.end;
    case "?": {
      const control = stringText(args.next("?"));
      if (control === undefined) throw formatError("~? needs a control string");
      if (d.at) run(control, 0, control.length, args, out);
      else run(control, 0, control.length, new Args(listOf2(args.next("?"))), out);
      return d.end;
    }
    case "{":
      return iterate(template, d, args, out);
    case "[":
      return conditional(template, d, args, out);
    case "^":
      if (args.remaining === 0) throw new StopIteration();
      return d.end;
    default:
      throw formatError(`the directive ~${d.char} is not supported by this evaluator`);
  }
}

function listOf2(value: Datum): Datum[] {
  const items = listToArray(value);
  if (!items) throw formatError("expected a list of arguments");
  return items;
}

function iterate(template: string, d: Directive, args: Args, out: Output): number {
  const { close, closeEnd } = findClosing(template, d.end, "}");
  const limit = d.params[0] === undefined ? Infinity : num(d.params[0], 0);
  const body = (iterationArgs: Args) => run(template, d.end, close, iterationArgs, out);
  const runEach = (items: Datum[], perItem: boolean) => {
    if (perItem) {
      for (let k = 0; k < items.length && k < limit; k++) {
        try {
          body(new Args(listOf2(items[k]!)));
        } catch (error) {
          if (!(error instanceof StopIteration)) throw error;
        }
      }
      return;
    }
    const iterationArgs = new Args(items);
    try {
      for (let k = 0; iterationArgs.remaining > 0 && k < limit; k++) body(iterationArgs);
    } catch (error) {
      if (!(error instanceof StopIteration)) throw error;
    }
  };
  if (d.at) {
    const rest = args.items.slice(args.index);
    args.index = args.items.length;
    runEach(rest, d.colon);
  } else runEach(listOf2(args.next("{")), d.colon);
  return closeEnd;
}

function conditional(template: string, d: Directive, args: Args, out: Output): number {
  const { close, closeEnd, separators } = findClosing(template, d.end, "]");
  const starts = [d.end, ...separators.map((s) => s.end)];
  const ends = [...separators.map((s) => s.at), close];
  const clause = (k: number) => run(template, starts[k]!, ends[k]!, args, out);
  if (d.at) {
    const value = args.next("[");
    if (value !== false) {
      args.index--;
      clause(0);
    }
  } else if (d.colon) {
    clause(args.next("[") === false ? 0 : 1);
  } else {
    const selector = d.params[0] ?? args.next("[");
    const index = typeof selector === "number" ? selector : -1;
    const defaultClause = separators.findIndex((s) => s.colon);
    if (index >= 0 && index < starts.length && (defaultClause === -1 || index <= defaultClause)) clause(index);
    else if (defaultClause !== -1) clause(defaultClause + 1);
  }
  return closeEnd;
}

function num(param: Param, fallback: number): number {
  return typeof param === "number" ? param : fallback;
}

function char(param: Param, fallback: string): string {
  return typeof param === "string" ? param : fallback;
}

/** Common Lisp's padding: minpad characters, then colinc at a time up to mincol. */
function pad(text: string, mincol: number, colinc: number, minpad: number, padChar: string, left: boolean): string {
  // Counted, not grown a colinc at a time: a mincol of 10^8 is one allocation, reserved first.
  const step = Math.max(1, colinc);
  const short = mincol - text.length - minpad * padChar.length;
  const count = minpad + (short > 0 ? Math.ceil(short / (step * padChar.length)) * step : 0);
  const padding = repeated(padChar, count);
  return left ? padding + text : text + padding;
}

/** `text` repeated `count` times, its memory reserved under --max-memory before it exists. */
function repeated(text: string, count: number): string {
  reserve(2 * text.length * count);
  return text.repeat(count);
}

/** `text` padded on the left to `width`, reserved first. */
function padStart(text: string, width: number, padChar: string): string {
  if (width > text.length) reserve(2 * width);
  return text.padStart(width, padChar);
}

function integer(value: Datum, radix: number, d: Directive): string {
  if (!isExactInteger(value)) {
    if (isNumber(value)) throw formatError("argument not an integer");
    throw formatError("argument not an integer");
  }
  const negative = typeof value === "bigint" ? value < 0n : value < 0;
  let digits = (negative ? -BigInt(value) : BigInt(value)).toString(radix);
  if (d.colon) {
    const comma = char(d.params[2], ",");
    const width = num(d.params[3], 3);
    const groups: string[] = [];
    for (let end = digits.length; end > 0; end -= width) groups.unshift(digits.slice(Math.max(0, end - width), end));
    digits = groups.join(comma);
  }
  const sign = negative ? "-" : d.at ? "+" : "";
  const text = sign + digits;
  return padStart(text, num(d.params[0], 0), char(d.params[1], " "));
}

/** The decimal digits of a real and where the point goes: 12.5 is { digits: "125", point: 2 }. */
function decimal(x: number): { negative: boolean; digits: string; point: number } {
  const negative = x < 0 || Object.is(x, -0);
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const digits = mantissa!.replace(".", "");
  return { negative, digits, point: Number(exponent) + 1 };
}

/** Rounds a decimal digit string to `fraction` digits after the point, half away from zero, as Guile's format does. */
function roundDigits(digits: string, point: number, fraction: number): { digits: string; point: number } {
  // Leading zeros first, so that the digit the rounding looks at exists: 0.005 is "0005" with the point after 1.
  if (point < 1) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  }
  const keep = point + fraction;
  if (digits.length <= keep) return { digits: digits.padEnd(keep, "0"), point };
  const kept = digits.slice(0, keep).split("").map(Number);
  if (Number(digits[keep]) >= 5) {
    let k = kept.length - 1;
    while (k >= 0 && kept[k] === 9) kept[k--] = 0;
    if (k >= 0) kept[k]!++;
    else {
      kept.unshift(1);
      point++;
    }
  }
  return { digits: kept.join(""), point };
}

function fixed(value: Datum, width: Param, fraction: Param, overflow: Param, padChar: string, plus: boolean): string {
  if (!isNumber(value)) return displayString(value);
  const x = toFloat(value as SchemeNumber);
  if (!Number.isFinite(x)) return displayString(value);
  const { negative, digits, point } = decimal(x);
  let intPart: string;
  let fracPart: string;
  if (typeof fraction === "number") {
    const rounded = roundDigits(digits, point, fraction);
    const all = rounded.point <= 0 ? "0".repeat(1 - rounded.point) + rounded.digits : rounded.digits;
    const at = Math.max(rounded.point, 1);
    intPart = all.slice(0, at).replace(/^0+(?=\d)/, "") || "0";
    fracPart = all.slice(at);
  } else {
    const all = point <= 0 ? "0".repeat(1 - point) + digits : digits.padEnd(point, "0");
    const at = Math.max(point, 1);
    intPart = all.slice(0, at).replace(/^0+(?=\d)/, "") || "0";
    fracPart = all.slice(at).replace(/0+$/, "") || "0";
  }
  // Guile keeps the sign of a negative number that rounds to zero: -0.001 is "-0.00".
  const sign = negative ? "-" : plus ? "+" : "";
  const text = `${sign}${intPart}.${fracPart}`;
  if (typeof width !== "number") return text;
  if (text.length > width && typeof overflow === "string") return repeated(overflow, width);
  return padStart(text, width, padChar);
}

function exponential(value: Datum, fraction: Param): string {
  if (!isNumber(value)) return displayString(value);
  const x = toFloat(value as SchemeNumber);
  const { negative, digits, point } = decimal(x);
  let mantissa = digits;
  let exponent = point - 1;
  if (typeof fraction === "number") {
    const rounded = roundDigits(digits, 1, fraction);
    mantissa = rounded.digits;
    exponent += rounded.point - 1;
  }
  const text = `${mantissa[0]}.${mantissa.slice(1) || "0"}`;
  return `${negative ? "-" : ""}${text}E${exponent < 0 ? "-" : "+"}${Math.abs(exponent)}`;
}

/**
 * Guile's core `simple-format`: only ~a, ~s, ~% and ~~.
 *
 * @example
 * import { schemeString } from "../values.ts";
 * simpleFormat("~a ~s~%", [1, schemeString("x")]); // "1 \"x\"\n"
 */
export function simpleFormat(template: string, args: Datum[]): string {
  let out = "";
  let next = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "~") {
      out += c;
      continue;
    }
    const d = template[++i];
    if (d === "a" || d === "A" || d === "s" || d === "S") {
      if (next >= args.length) throw new SchemeError("misc-error", `simple-format: missing argument for ~${d}`);
      out += d === "a" || d === "A" ? displayString(args[next++]!) : writeString(args[next++]!);
    } else if (d === "%") out += "\n";
    else if (d === "~") out += "~";
    else throw new SchemeError("misc-error", `simple-format: unsupported format option ~${d ?? ""} (use (ice-9 format))`);
  }
  return out;
}

/** Sends formatted text where `destination` says: #f returns it, #t or a port prints it. */
function deliver(destination: Datum, text: (column: number) => string, current: OutputPort): Datum {
  if (destination === false) return schemeString(text(0));
  const port = destination === true ? current : destination;
  if (!(port instanceof OutputPort)) throw new SchemeError("wrong-type-arg", "format: the destination must be #f, #t or an output port");
  port.write(text(port.column));
  return UNSPECIFIED;
}

/**
 * Registers `format` (the `(ice-9 format)` one, also in Guile's default environment here) and `simple-format`.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineFormatBuiltins(table);
 * table.modules.get("ice-9 format")?.has("format"); // true
 */
export function defineFormatBuiltins(table: BuiltinTable): void {
  const format =
    (name: string) =>
    (args: Datum[], ev: Evaluator): Datum => {
      const [destination, template, ...rest] = args;
      const control = template === undefined ? undefined : stringText(template);
      if (control === undefined) {
        throw new SchemeError("misc-error", `${name}: expected a string for format string ${writeString(template ?? false)}`);
      }
      return deliver(destination!, (column) => formatDirectives(control, rest, column), ev.currentOutput);
    };
  table.define("format", 1, -1, format("format"));
  table.define("format", 1, -1, format("format"), "ice-9 format");
  table.define("simple-format", 2, -1, ([destination, template, ...rest], ev) =>
    deliver(destination!, () => simpleFormat(expectString("simple-format", template!, 2), rest), ev.currentOutput),
  );
}
