/**
 * Printing values as Guile's `write` and `display` do.
 *
 * @example
 * writeString(list(sym("a"), "b\n", new Flonum(2))); // '(a "b\\n" 2.0)'
 * displayString("b");                                 // 'b'
 */
import { CHARACTER_NAMES } from "../../grammar/literals.ts";
import { formatFlonum, numberToString } from "./numbers.ts";
import { Renamed, identifierName } from "./identifiers.ts";
import {
  Bytevector,
  CaseLambda,
  Char,
  Closure,
  ExceptionObject,
  HashTable,
  OutputPort,
  PromiseObject,
  EmptyList,
  EofObject,
  Flonum,
  InputPort,
  Keyword,
  Macro,
  MultipleValues,
  Pair,
  Primitive,
  Rational,
  RecordInstance,
  RecordType,
  SpecialForm,
  Sym,
  Unspecified,
  type Datum,
} from "./values.ts";

const INITIAL = /^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Mn}\p{Nl}\p{No}\p{Pd}\p{Pc}\p{Po}\p{Sc}\p{Sm}\p{Sk}\p{So}\p{Co}]$/u;
const SUBSEQUENT =
  /^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Mn}\p{Nl}\p{No}\p{Pd}\p{Pc}\p{Po}\p{Sc}\p{Sm}\p{Sk}\p{So}\p{Co}\p{Nd}\p{Mc}\p{Me}]$/u;
const GRAPHIC = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const ZS = /^\p{Zs}$/u;

const charNameByCode = new Map<number, string>();
for (const [name, code] of CHARACTER_NAMES) if (!charNameByCode.has(code)) charNameByCode.set(code, name);

const STRING_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
};

/** The `write` representation of a value. */
export function writeString(value: Datum): string {
  const out: string[] = [];
  print(value, true, out, 0);
  return out.join("");
}

/** The `display` representation of a value. */
export function displayString(value: Datum): string {
  if (typeof value === "string") return value;
  const out: string[] = [];
  print(value, false, out, 0);
  return out.join("");
}

/** A string literal as `write` prints it. */
export function writeStringLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const escape = STRING_ESCAPES[ch];
    if (escape !== undefined) out += escape;
    else if (ch === " " || GRAPHIC.test(ch)) out += ch;
    else out += hexEscape(ch.codePointAt(0)!);
  }
  return out + '"';
}

function hexEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\U${code.toString(16).padStart(6, "0")}`;
}

/** A symbol as `write` prints it, using `#{...}#` where Guile needs to. */
export function writeSymbol(name: string): string {
  if (!needsExtendedSyntax(name)) return name;
  let out = "#{";
  for (const ch of name) {
    if (SUBSEQUENT.test(ch) || ZS.test(ch)) out += ch;
    else out += `\\x${ch.codePointAt(0)!.toString(16)};`;
  }
  return out + "}#";
}

function needsExtendedSyntax(name: string): boolean {
  if (name.length === 0) return true;
  const chars = Array.from(name);
  const first = chars[0]!;
  if ("'`,\";#".includes(first)) return true;
  if (first === "." && chars.length === 1) return true;
  if ("+-.0123456789".includes(first) && looksLikeNumber(name)) return true;
  if (!INITIAL.test(first)) return true;
  for (let i = 1; i < chars.length; i++) {
    const c = chars[i]!;
    if (!SUBSEQUENT.test(c) || c === '"' || c === ";" || c === "#") return true;
  }
  return false;
}

function looksLikeNumber(name: string): boolean {
  return /^[+-]i$|^[+-]?(?:\d+(?:\/\d+)?|\d+\.\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|\d+e[+-]?\d+|inf\.0|nan\.0)$/i.test(name);
}

function writeChar(code: number): string {
  const ch = String.fromCodePoint(code);
  if (code > 0x20 && GRAPHIC.test(ch)) return `#\\${ch}`;
  const name = charNameByCode.get(code);
  if (name) return `#\\${name}`;
  return `#\\${code.toString(8)}`;
}

const MAX_PRINT_DEPTH = 10000;

function print(value: Datum, write: boolean, out: string[], depth: number): void {
  if (depth > MAX_PRINT_DEPTH) {
    out.push("...");
    return;
  }
  switch (typeof value) {
    case "boolean":
      out.push(value ? "#t" : "#f");
      return;
    case "number":
    case "bigint":
      out.push(value.toString());
      return;
    case "string":
      out.push(write ? writeStringLiteral(value) : value);
      return;
  }
  if (value instanceof Pair) return printList(value, write, out, depth);
  if (value instanceof Sym) return void out.push(write ? writeSymbol(value.name) : value.name);
  if (value instanceof Flonum) return void out.push(formatFlonum(value.value));
  if (value instanceof Rational) return void out.push(numberToString(value));
  if (value instanceof EmptyList) return void out.push("()");
  if (value instanceof Char) return void out.push(write ? writeChar(value.code) : String.fromCodePoint(value.code));
  if (value instanceof Keyword) return void out.push(`#:${write ? writeSymbol(value.name) : value.name}`);
  if (Array.isArray(value)) {
    out.push("#(");
    value.forEach((item, i) => {
      if (i > 0) out.push(" ");
      print(item, write, out, depth + 1);
    });
    out.push(")");
    return;
  }
  if (value instanceof Bytevector) return void out.push(`#vu8(${Array.from(value.bytes).join(" ")})`);
  out.push(printObject(value, write, depth));
}

function printList(value: Pair, write: boolean, out: string[], depth: number): void {
  out.push("(");
  let cursor: Datum = value;
  let first = true;
  while (cursor instanceof Pair) {
    if (!first) out.push(" ");
    print(cursor.car, write, out, depth + 1);
    first = false;
    cursor = cursor.cdr;
  }
  if (!(cursor instanceof EmptyList)) {
    out.push(" . ");
    print(cursor, write, out, depth + 1);
  }
  out.push(")");
}

function printObject(value: Datum, write: boolean, depth: number): string {
  if (value instanceof Renamed) return write ? writeSymbol(identifierName(value)) : identifierName(value);
  if (value instanceof Unspecified) return "#<unspecified>";
  if (value instanceof EofObject) return "#<eof>";
  if (value instanceof Primitive) return `#<procedure ${value.name} (_)>`;
  if (value instanceof Closure) return `#<procedure ${value.name ?? "anonymous"}>`;
  if (value instanceof SpecialForm || value instanceof Macro) return `#<syntax-transformer ${value.name}>`;
  if (value instanceof RecordInstance) return printRecord(value, write, depth);
  if (value instanceof RecordType) return `#<record-type ${value.name}>`;
  if (value instanceof InputPort) return `#<input: ${value.fileName ?? "string"}>`;
  if (value instanceof OutputPort) return "#<output: string>";
  if (value instanceof CaseLambda) return `#<procedure ${value.name ?? "anonymous"}>`;
  if (value instanceof HashTable) return `#<hash-table ${value.count}>`;
  if (value instanceof PromiseObject) return "#<promise>";
  if (value instanceof ExceptionObject) return printException(value, write, depth);
  if (value instanceof MultipleValues) {
    const out: string[] = [];
    value.values.forEach((v, i) => {
      if (i > 0) out.push(" ");
      print(v, write, out, depth + 1);
    });
    return out.join("");
  }
  return `#<${(value as { schemeType?: string }).schemeType ?? "object"}>`;
}

/** A record as SRFI-9 records print in Guile: `#<<TYPE> FIELD: VALUE ...>`. */
function printRecord(record: RecordInstance, write: boolean, depth: number): string {
  const out: string[] = [`#<<${record.type.name}>`];
  for (const field of record.type.fieldNames) {
    out.push(` ${field}: `);
    print(record.fields.get(field) ?? false, write, out, depth + 1);
  }
  out.push(">");
  return out.join("");
}

/** The first component Guile's conversion of a throw gives, by key. */
const EXCEPTION_KINDS: Record<string, string> = {
  "unbound-variable": "&undefined-variable",
  "wrong-type-arg": "&assertion-failure",
  "out-of-range": "&assertion-failure",
  "wrong-number-of-args": "&assertion-failure",
};

/** An exception object as Guile prints the compound exception it makes from a throw. */
function printException(exception: ExceptionObject, write: boolean, depth: number): string {
  if (exception.nonContinuable) return "#<&non-continuable>";
  const out: string[] = [`#<&compound-exception components: (#<${EXCEPTION_KINDS[exception.key.name] ?? "&error"}> `];
  const args: Datum[] = [];
  for (let cursor = exception.args; cursor instanceof Pair; cursor = cursor.cdr) args.push(cursor.car);
  const field = (label: string, value: Datum) => {
    out.push(`#<${label}: `);
    print(value, write, out, depth + 1);
    out.push("> ");
  };
  if (args.length >= 3 && typeof args[1] === "string") {
    field("&origin origin", args[0]!);
    field("&message message", args[1]);
    field("&irritants irritants", args[2]!);
  } else field("&irritants irritants", exception.args);
  out.push(`#<&exception-with-kind-and-args kind: ${exception.key.name} args: `);
  print(exception.args, write, out, depth + 1);
  out.push(">)>");
  return out.join("");
}
