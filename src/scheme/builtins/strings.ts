/**
 * String, character and symbol procedures.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * scheme.evalString('(string-append "x86_64" "-linux")'); // { text: "x86_64-linux" }
 * scheme.evalString('(string-map char-upcase "ab")'); // { text: "AB" }
 * writeString(scheme.evalString('(string-split "a,b" #\\,)')); // '("a" "b")'
 * scheme.evalString("(symbol->string 'x86_64)"); // { text: "x86_64" }
 */
import { parseNumber } from "../../../grammar/numbers.ts";
import { SchemeError } from "../errors.ts";
import { numberToString } from "../numbers.ts";
import { writeString } from "../printer.ts";
import { Char, Keyword, Primitive, SchemeString, Sym, UNSPECIFIED, arrayToList, reserve, schemeString, type Datum } from "../values.ts";
import { withOutputToString } from "./ports.ts";
import { expectChar, expectIndex, expectList, expectNumber, expectProcedure, expectString, expectSymbol, outOfRange, type BuiltinTable } from "./registry.ts";

/** Strings are indexed by code point in Scheme, by UTF-16 unit in JS. */
function codePoints(s: string): string[] {
  return Array.from(s);
}

function isAscii(s: string): boolean {
  return !/[^\x00-\x7f]/.test(s);
}

function substringOf(who: string, s: string, start: Datum | undefined, end: Datum | undefined): string {
  const chars = isAscii(s) ? null : codePoints(s);
  const length = chars ? chars.length : s.length;
  const from = start === undefined ? 0 : expectIndex(who, start, 2);
  const to = end === undefined ? length : expectIndex(who, end, 3);
  if (from > length) throw outOfRange(who, start!, 2);
  if (to > length || to < from) throw outOfRange(who, end!, 3);
  return chars ? chars.slice(from, to).join("") : s.slice(from, to);
}

/** A char predicate argument: a character, or a procedure (SRFI-13 style). */
function charMatcher(who: string, pred: Datum, apply: (p: Datum, args: Datum[]) => Datum): (ch: string) => boolean {
  if (pred instanceof Char) return (ch) => ch.codePointAt(0) === pred.code;
  const proc = expectProcedure(who, pred, 2);
  return (ch) => apply(proc, [new Char(ch.codePointAt(0)!)]) !== false;
}

/** Compares by code point (JS compares UTF-16 units, which differs above U+FFFF). */
function compareStrings(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
}

/** Case mapping one character at a time, as Guile does ("ß" stays "ß" in string-upcase). */
function mapCase(s: string, upper: boolean): string {
  let out = "";
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

/**
 * Registers string, character and symbol procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineStringBuiltins(table);
 * table.modules.get("guile")?.has("string-map"); // true
 */
export function defineStringBuiltins(table: BuiltinTable): void {
  table.define("string?", 1, 1, ([x]) => x instanceof SchemeString);
  table.define("symbol?", 1, 1, ([x]) => x instanceof Sym);
  table.define("keyword?", 1, 1, ([x]) => x instanceof Keyword);
  table.define("char?", 1, 1, ([x]) => x instanceof Char);
  table.define("string-append", 0, -1, (args) => schemeString(joined(args.map((a, i) => expectString("string-append", a, i + 1)))));
  table.define("string", 0, -1, (args) => schemeString(args.map((a, i) => String.fromCodePoint(expectChar("string", a, i + 1).code)).join("")));
  table.define("make-string", 1, 2, ([k, ch]) => {
    const n = expectIndex("make-string", k!, 1);
    if (n > 100_000_000) throw new SchemeError("limit-exceeded", "make-string: string too long");
    const fill = ch === undefined ? " " : String.fromCodePoint(expectChar("make-string", ch, 2).code);
    reserve(2 * fill.length * n);
    return schemeString(fill.repeat(n));
  });
  table.define("string-length", 1, 1, ([s]) => {
    const text = expectString("string-length", s!, 1);
    return isAscii(text) ? text.length : codePoints(text).length;
  });
  table.define("string-ref", 2, 2, ([s, k]) => {
    const chars = codePoints(expectString("string-ref", s!, 1));
    const index = expectIndex("string-ref", k!, 2);
    if (index >= chars.length) throw outOfRange("string-ref", k!, 2);
    return new Char(chars[index]!.codePointAt(0)!);
  });
  table.define("substring", 2, 3, ([s, start, end]) => schemeString(substringOf("substring", expectString("substring", s!, 1), start, end)));
  table.define("string-copy", 1, 3, ([s, start, end]) => schemeString(substringOf("string-copy", expectString("string-copy", s!, 1), start, end)));
  table.define("string-null?", 1, 1, ([s]) => expectString("string-null?", s!, 1) === "");
  table.define("string-join", 1, 3, ([l, delimiter, grammar]) => {
    const parts = expectList("string-join", l!, 1).map((x, i) => expectString("string-join", x, i + 1));
    const d = delimiter === undefined ? " " : expectString("string-join", delimiter, 2);
    const g = grammar instanceof Sym ? grammar.name : "infix";
    if (g === "prefix") return schemeString(parts.map((p) => d + p).join(""));
    if (g === "suffix") return schemeString(parts.map((p) => p + d).join(""));
    if (g === "strict-infix" && parts.length === 0) {
      throw new SchemeError("misc-error", "string-join: strict-infix grammar requires a non-empty list");
    }
    return schemeString(parts.join(d));
  });
  table.define("string-split", 2, 2, ([s, ch], ev) => {
    const text = expectString("string-split", s!, 1);
    const matches = charMatcher("string-split", ch!, (p, a) => ev.apply(p, a));
    const parts: SchemeString[] = [];
    let current = "";
    for (const c of codePoints(text)) {
      if (matches(c)) {
        parts.push(schemeString(current));
        current = "";
      } else current += c;
    }
    parts.push(schemeString(current));
    return arrayToList(parts);
  });
  table.define("string-prefix?", 2, 2, ([p, s]) => expectString("string-prefix?", s!, 2).startsWith(expectString("string-prefix?", p!, 1)));
  table.define("string-suffix?", 2, 2, ([p, s]) => expectString("string-suffix?", s!, 2).endsWith(expectString("string-suffix?", p!, 1)));
  table.define("string-contains", 2, 2, ([s, sub]) => {
    const text = expectString("string-contains", s!, 1);
    const index = text.indexOf(expectString("string-contains", sub!, 2));
    return index === -1 ? false : codePoints(text.slice(0, index)).length;
  });
  table.define("string-index", 2, 4, ([s, pred, start, end], ev) => {
    const matches = charMatcher("string-index", pred!, (p, a) => ev.apply(p, a));
    const chars = codePoints(expectString("string-index", s!, 1));
    const from = start === undefined ? 0 : expectIndex("string-index", start, 3);
    const to = end === undefined ? chars.length : expectIndex("string-index", end, 4);
    if (from > chars.length) throw outOfRange("string-index", start!, 3);
    if (to > chars.length || to < from) throw outOfRange("string-index", end!, 4);
    for (let i = from; i < to; i++) if (matches(chars[i]!)) return i;
    return false;
  });
  table.define("string-upcase", 1, 1, ([s]) => schemeString(mapCase(expectString("string-upcase", s!, 1), true)));
  table.define("string-downcase", 1, 1, ([s]) => schemeString(mapCase(expectString("string-downcase", s!, 1), false)));
  table.define("string-trim", 1, 1, ([s]) => schemeString(expectString("string-trim", s!, 1).replace(/^\s+/, "")));
  table.define("string-trim-right", 1, 1, ([s]) => schemeString(expectString("string-trim-right", s!, 1).replace(/\s+$/, "")));
  table.define("string-trim-both", 1, 1, ([s]) => schemeString(expectString("string-trim-both", s!, 1).trim()));
  table.define("string-concatenate", 1, 1, ([l]) =>
    schemeString(joined(expectList("string-concatenate", l!, 1).map((x, i) => expectString("string-concatenate", x, i + 1)))),
  );
  for (const [name, left] of [
    ["string-pad", true],
    ["string-pad-right", false],
  ] as const) {
    table.define(name, 2, 3, ([s, k, ch]) => {
      const chars = codePoints(expectString(name, s!, 1));
      const width = expectIndex(name, k!, 2);
      const fill = ch === undefined ? " " : String.fromCodePoint(expectChar(name, ch, 3).code);
      if (chars.length >= width) return schemeString((left ? chars.slice(chars.length - width) : chars.slice(0, width)).join(""));
      reserve(2 * fill.length * (width - chars.length));
      const padding = fill.repeat(width - chars.length);
      return schemeString(left ? padding + chars.join("") : chars.join("") + padding);
    });
  }
  table.define("string-reverse", 1, 1, ([s]) =>
    schemeString(
      codePoints(expectString("string-reverse", s!, 1))
        .reverse()
        .join(""),
    ),
  );
  table.define("string->list", 1, 1, ([s]) => arrayToList(codePoints(expectString("string->list", s!, 1)).map((c) => new Char(c.codePointAt(0)!))));
  table.define("list->string", 1, 1, ([l]) =>
    schemeString(
      expectList("list->string", l!, 1)
        .map((c, i) => String.fromCodePoint(expectChar("list->string", c, i + 1).code))
        .join(""),
    ),
  );
  table.define("string->symbol", 1, 1, ([s]) => Sym.intern(expectString("string->symbol", s!, 1)));
  // A new string each time, as in Guile: `(eq? (symbol->string 'a) (symbol->string 'a))` is #f.
  table.define("symbol->string", 1, 1, ([s]) => schemeString(expectSymbol("symbol->string", s!, 1).name));
  table.define("symbol-append", 0, -1, (args) => Sym.intern(joined(args.map((a, i) => expectSymbol("symbol-append", a, i + 1).name))));
  table.define("symbol-prefix-proc", 1, 1, ([prefix]) => {
    const text = expectSymbol("symbol-prefix-proc", prefix!, 1).name;
    return new Primitive("symbol-prefix-proc", 1, 1, ([s]) => Sym.intern(text + expectSymbol("symbol-prefix-proc", s!, 1).name));
  });
  table.define("string->keyword", 1, 1, ([s]) => Keyword.intern(expectString("string->keyword", s!, 1)));
  table.define("keyword->symbol", 1, 1, ([k]) => {
    if (!(k instanceof Keyword)) throw new SchemeError("wrong-type-arg", "keyword->symbol: expecting keyword");
    return Sym.intern(k.name);
  });
  table.define("symbol->keyword", 1, 1, ([s]) => Keyword.intern(expectSymbol("symbol->keyword", s!, 1).name));
  table.define("string->number", 1, 2, ([s, radix]) => {
    const base = radix === undefined ? 10 : expectIndex("string->number", radix, 2);
    return parseNumber(expectString("string->number", s!, 1), base) ?? false;
  });
  table.define("number->string", 1, 2, ([n, radix]) => {
    const base = radix === undefined ? 10 : expectIndex("number->string", radix, 2);
    if (![2, 8, 10, 16].includes(base)) throw outOfRange("number->string", radix!, 2);
    return schemeString(numberToString(expectNumber("number->string", n!, 1), base));
  });
  const comparisons: Array<[string, (c: number) => boolean, boolean]> = [
    ["string=?", (c) => c === 0, false],
    ["string<?", (c) => c < 0, false],
    ["string>?", (c) => c > 0, false],
    ["string<=?", (c) => c <= 0, false],
    ["string>=?", (c) => c >= 0, false],
    ["string-ci=?", (c) => c === 0, true],
    ["string-ci<?", (c) => c < 0, true],
  ];
  for (const [name, test, foldCase] of comparisons) {
    table.define(name, 1, -1, (args) => {
      const strings = args.map((a, i) => expectString(name, a, i + 1)).map((s) => (foldCase ? s.toLowerCase() : s));
      for (let i = 1; i < strings.length; i++) if (!test(compareStrings(strings[i - 1]!, strings[i]!))) return false;
      return true;
    });
  }
  table.bind("string=", table.modules.get("guile")!.get("string=?")!);
  defineStringLibrary(table);
  defineCharBuiltins(table);
}

/** The SRFI-13 procedures Guile's core has that configurations use. */
function defineStringLibrary(table: BuiltinTable): void {
  table.define("string-map", 2, 4, ([f, s], ev) => {
    const proc = expectProcedure("string-map", f!, 1);
    return schemeString(
      codePoints(expectString("string-map", s!, 2))
        .map((c) => String.fromCodePoint(expectChar("string-map", ev.apply(proc, [new Char(c.codePointAt(0)!)]), 1).code))
        .join(""),
    );
  });
  table.define("string-for-each", 2, 4, ([f, s], ev) => {
    const proc = expectProcedure("string-for-each", f!, 1);
    for (const c of codePoints(expectString("string-for-each", s!, 2))) ev.apply(proc, [new Char(c.codePointAt(0)!)]);
    return UNSPECIFIED;
  });
  table.define("string-fold", 3, 5, ([f, init, s], ev) => {
    const proc = expectProcedure("string-fold", f!, 1);
    let acc = init!;
    for (const c of codePoints(expectString("string-fold", s!, 3))) acc = ev.apply(proc, [new Char(c.codePointAt(0)!), acc]);
    return acc;
  });
  for (const [name, fromEnd, take] of [
    ["string-take", false, true],
    ["string-take-right", true, true],
    ["string-drop", false, false],
    ["string-drop-right", true, false],
  ] as const) {
    table.define(name, 2, 2, ([s, k]) => {
      const chars = codePoints(expectString(name, s!, 1));
      const n = expectIndex(name, k!, 2);
      if (n > chars.length) throw outOfRange(name, k!, 2);
      const cut = fromEnd ? chars.length - n : n;
      return schemeString((take === !fromEnd ? chars.slice(0, cut) : chars.slice(cut)).join(""));
    });
  }
  for (const [name, every] of [
    ["string-any", false],
    ["string-every", true],
  ] as const) {
    table.define(name, 2, 4, ([pred, s], ev) => {
      const matches = charMatcher(name, pred!, (p, a) => ev.apply(p, a));
      const chars = codePoints(expectString(name, s!, 2));
      return every ? chars.every(matches) : chars.some(matches);
    });
  }
  table.define("string-count", 2, 4, ([s, pred], ev) => {
    const matches = charMatcher("string-count", pred!, (p, a) => ev.apply(p, a));
    return codePoints(expectString("string-count", s!, 1)).filter(matches).length;
  });
  table.define("string-tokenize", 1, 2, ([s, charSet]) => {
    if (charSet !== undefined) throw new SchemeError("unsupported", "string-tokenize: character sets are not supported by this evaluator");
    return arrayToList(
      expectString("string-tokenize", s!, 1)
        .split(/\s+/u)
        .filter((t) => t !== "")
        .map(schemeString),
    );
  });
  table.define("string-contains-ci", 2, 2, ([s, sub]) => {
    const text = expectString("string-contains-ci", s!, 1).toLowerCase();
    const index = text.indexOf(expectString("string-contains-ci", sub!, 2).toLowerCase());
    return index === -1 ? false : codePoints(text.slice(0, index)).length;
  });
  table.define("string-prefix-ci?", 2, 2, ([p, s]) =>
    expectString("string-prefix-ci?", s!, 2)
      .toLowerCase()
      .startsWith(expectString("string-prefix-ci?", p!, 1).toLowerCase()),
  );
  table.define("string-suffix-ci?", 2, 2, ([p, s]) =>
    expectString("string-suffix-ci?", s!, 2)
      .toLowerCase()
      .endsWith(expectString("string-suffix-ci?", p!, 1).toLowerCase()),
  );
  table.define("string-titlecase", 1, 1, ([s]) =>
    schemeString(expectString("string-titlecase", s!, 1).replace(/\p{L}+/gu, (word) => mapCase(word[0]!, true) + mapCase(word.slice(1), false))),
  );
  table.define("object->string", 1, 2, ([x, printer], ev) => {
    if (printer === undefined) return schemeString(writeString(x!));
    return schemeString(withOutputToString(ev, () => void ev.apply(expectProcedure("object->string", printer, 2), [x!, ev.currentOutput])));
  });
}

function defineCharBuiltins(table: BuiltinTable): void {
  table.define("char->integer", 1, 1, ([c]) => expectChar("char->integer", c!, 1).code);
  table.define("integer->char", 1, 1, ([n]) => {
    const code = expectIndex("integer->char", n!, 1);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw outOfRange("integer->char", n!, 1);
    return new Char(code);
  });
  const mapChar = (name: string, f: (s: string) => string) =>
    table.define(name, 1, 1, ([c]) => new Char(f(String.fromCodePoint(expectChar(name, c!, 1).code)).codePointAt(0)!));
  mapChar("char-upcase", (s) => (s.toUpperCase().length === s.length ? s.toUpperCase() : s));
  mapChar("char-downcase", (s) => (s.toLowerCase().length === s.length ? s.toLowerCase() : s));
  const testChar = (name: string, re: RegExp) => table.define(name, 1, 1, ([c]) => re.test(String.fromCodePoint(expectChar(name, c!, 1).code)));
  testChar("char-alphabetic?", /^\p{Alphabetic}$/u);
  testChar("char-numeric?", /^\p{Nd}$/u);
  testChar("char-whitespace?", /^\s$/u);
  testChar("char-upper-case?", /^\p{Lu}$/u);
  testChar("char-lower-case?", /^\p{Ll}$/u);
  const compareChars: Array<[string, (a: number, b: number) => boolean, boolean]> = [
    ["char=?", (a, b) => a === b, false],
    ["char<?", (a, b) => a < b, false],
    ["char>?", (a, b) => a > b, false],
    ["char<=?", (a, b) => a <= b, false],
    ["char>=?", (a, b) => a >= b, false],
    ["char-ci=?", (a, b) => a === b, true],
  ];
  for (const [name, test, foldCase] of compareChars) {
    table.define(name, 1, -1, (args) => {
      const codes = args.map((a, i) => {
        const code = expectChar(name, a, i + 1).code;
        return foldCase ? String.fromCodePoint(code).toLowerCase().codePointAt(0)! : code;
      });
      for (let i = 1; i < codes.length; i++) if (!test(codes[i - 1]!, codes[i]!)) return false;
      return true;
    });
  }
}

/** The strings one after the other, reserved under --max-memory before they are joined (a doubling loop stops before its last doubling). */
function joined(parts: readonly string[]): string {
  let length = 0;
  for (const part of parts) length += part.length;
  reserve(2 * length);
  return parts.join("");
}
