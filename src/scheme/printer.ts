/**
 * Printing values as Guile's `write` and `display` do.
 *
 * @example
 * import { Flonum, list, schemeString, sym } from "./values.ts";
 * writeString(list(sym("a"), schemeString("b\n"), new Flonum(2))); // '(a "b\\n" 2.0)'
 * displayString(list(sym("a"), schemeString("b\n"), new Flonum(2))); // "(a b\n 2.0)"
 * // a symbol Guile could not read back is written in #{...}#
 * writeString(sym("1+x y")); // "#{1+x y}#"
 */
import { CHARACTER_NAMES } from "../../grammar/literals.ts";
import { ABBREVIATION_LENGTH, abbreviate } from "./abbreviate.ts";
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
  SchemeString,
  SpecialForm,
  Sym,
  Unspecified,
  NIL,
  listToArray,
  type Datum,
} from "./values.ts";

const INITIAL = /^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Mn}\p{Nl}\p{No}\p{Pd}\p{Pc}\p{Po}\p{Sc}\p{Sm}\p{Sk}\p{So}\p{Co}]$/u;
const SUBSEQUENT = /^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Mn}\p{Nl}\p{No}\p{Pd}\p{Pc}\p{Po}\p{Sc}\p{Sm}\p{Sk}\p{So}\p{Co}\p{Nd}\p{Mc}\p{Me}]$/u;
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

/**
 * The `write` representation of a value.
 *
 * @example
 * import { schemeString } from "./values.ts";
 * writeString(schemeString("a\nb")); // "\"a\\nb\""
 */
export function writeString(value: Datum): string {
  return new Printer(true).print(value);
}

/**
 * `abbreviate(writeString(value))`, without writing more of the value than
 * the message keeps: a value of millions of elements in an error message
 * costs no more than a short one.
 *
 * @example
 * import { list, schemeString } from "./values.ts";
 * writeAbbreviated(list(1, schemeString("two"))); // '(1 "two")'
 * writeAbbreviated(list(1, 2, 3, 4), 8); // "(1 2 ..."
 */
export function writeAbbreviated(value: Datum, maxLength: number = ABBREVIATION_LENGTH): string {
  return abbreviate(new Printer(true, maxLength).print(value), maxLength);
}

/**
 * The `display` representation of a value.
 *
 * @example
 * import { Char, list, schemeString } from "./values.ts";
 * displayString(list(schemeString("a"), new Char(98))); // "(a b)"
 */
export function displayString(value: Datum): string {
  if (value instanceof SchemeString) return value.text;
  return new Printer(false).print(value);
}

/** A string literal as `write` prints it. */
function writeStringLiteral(text: string): string {
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
function writeSymbol(name: string): string {
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

/**
 * What is left to print: a value, literal text, the rest of a list or
 * vector, or the point where a list or vector ends (its refs are dropped).
 */
type Task =
  | { kind: "value"; value: Datum }
  | { kind: "text"; text: string }
  | { kind: "tail"; pair: Pair; floor: number; cyclic: boolean }
  | { kind: "items"; items: readonly Datum[]; index: number }
  | { kind: "leave"; depth: number };

/**
 * Prints without recursion (a 100,000-deep list is fine), and prints a
 * cycle the way Guile's print.c does, as `#N#`: N is the position of the
 * object already being printed relative to the innermost one
 * (`(1 . #0#)`, `(1 2 . #-1#)`, `#(#0# 2)`, `((#0#))`).
 */
class Printer {
  private readonly out: string[] = [];
  private readonly tasks: Task[] = [];
  /** The lists, list cells and vectors being printed, outermost first. */
  private readonly refs: Datum[] = [];
  /**
   * Where each of `refs` sits in it, in increasing order: looking a value up
   * in `refs` by scanning would cost the depth for each value printed, hours
   * for a list nested a million deep.
   */
  private readonly positions = new Map<Datum, number[]>();
  /** The length of `out` so far. */
  private length = 0;

  /** `limit`: stop once more than this many characters are written (the caller cuts them). */
  constructor(
    private readonly write: boolean,
    private readonly limit: number = Infinity,
  ) {}

  private emit(...texts: string[]): void {
    for (const text of texts) {
      this.out.push(text);
      this.length += text.length;
    }
  }

  private enter(value: Datum): void {
    const at = this.positions.get(value);
    if (at === undefined) this.positions.set(value, [this.refs.length]);
    else at.push(this.refs.length);
    this.refs.push(value);
  }

  /** Drop the refs from `depth` on. */
  private leave(depth: number): void {
    for (let i = this.refs.length - 1; i >= depth; i--) {
      const at = this.positions.get(this.refs[i]!)!;
      at.pop();
      if (at.length === 0) this.positions.delete(this.refs[i]!);
    }
    this.refs.length = depth;
  }

  print(value: Datum): string {
    this.tasks.push({ kind: "value", value });
    for (let task = this.tasks.pop(); task && this.length <= this.limit; task = this.tasks.pop()) this.run(task);
    return this.out.join("");
  }

  private run(task: Task): void {
    switch (task.kind) {
      case "text":
        this.emit(task.text);
        return;
      case "leave":
        this.leave(task.depth);
        return;
      case "value":
        return this.value(task.value);
      case "tail":
        return this.tail(task.pair, task.floor, task.cyclic);
      case "items":
        return this.items(task.items, task.index);
    }
  }

  private circular(value: Datum): boolean {
    const index = this.positions.get(value)?.at(-1) ?? -1;
    if (index === -1) return false;
    this.emit(`#${index - this.self()}#`);
    return true;
  }

  /**
   * Guile's print_circref: the innermost reference, moved down over entries
   * that are pairs with the same cdr as the one above them.
   */
  private self(): number {
    let i = this.refs.length - 1;
    if (!(this.refs[i] instanceof Pair)) return i;
    while (i > 0) {
      const below = this.refs[i - 1];
      if (!(below instanceof Pair) || below.cdr !== (this.refs[i] as Pair).cdr) break;
      i--;
    }
    return i;
  }

  private value(value: Datum): void {
    if (value instanceof Pair || (Array.isArray(value) && value.length > 0)) {
      if (this.circular(value)) return;
      this.tasks.push({ kind: "leave", depth: this.refs.length });
      this.enter(value);
      if (value instanceof Pair) {
        this.emit("(");
        // As Guile: a list whose own cdrs loop is checked against everything being printed, others only below it.
        const tail: Task = { kind: "tail", pair: value, floor: this.refs.length - 2, cyclic: !isProperOrDotted(value) };
        this.tasks.push(tail, { kind: "value", value: value.car });
      } else {
        this.emit("#(");
        this.tasks.push({ kind: "items", items: value as Datum[], index: 0 });
      }
      return;
    }
    this.emit(...atom(value, this.write, (inner) => new Printer(this.write, this.limit - this.length).withRefs(this.refs).print(inner)));
  }

  /** After `pair`'s car: its cdr, as the rest of the list. */
  private tail(pair: Pair, floor: number, cyclic: boolean): void {
    const next = pair.cdr;
    if (next === NIL) {
      this.emit(")");
      return;
    }
    if (next instanceof Pair) {
      const first = this.positions.get(next)?.[0];
      const seen = first !== undefined && (cyclic || first <= floor);
      if (seen) {
        this.emit(" . ");
        this.circular(next);
        this.emit(")");
        return;
      }
      this.enter(next);
      this.emit(" ");
      this.tasks.push({ kind: "tail", pair: next, floor, cyclic }, { kind: "value", value: next.car });
      return;
    }
    this.emit(" . ");
    this.tasks.push({ kind: "text", text: ")" }, { kind: "value", value: next });
  }

  private items(items: readonly Datum[], index: number): void {
    if (index >= items.length) {
      this.emit(")");
      return;
    }
    if (index > 0) this.emit(" ");
    this.tasks.push({ kind: "items", items, index: index + 1 }, { kind: "value", value: items[index]! });
  }

  /** Shares the refs of an enclosing printer (for values inside records and exceptions). */
  private withRefs(refs: readonly Datum[]): this {
    for (const ref of refs) this.enter(ref);
    return this;
  }
}

/** False when the cdrs of `list` loop (Floyd's hare and tortoise, as Guile's printer runs). */
function isProperOrDotted(list: Pair): boolean {
  let hare: Datum = list.cdr;
  let tortoise: Datum = list;
  while (hare instanceof Pair) {
    if (hare === tortoise) return false;
    hare = hare.cdr;
    if (!(hare instanceof Pair)) break;
    hare = hare.cdr;
    tortoise = (tortoise as Pair).cdr;
  }
  return true;
}

/** The text of a value that has no list or vector structure of its own to walk. */
function atom(value: Datum, write: boolean, nested: (inner: Datum) => string): string[] {
  switch (typeof value) {
    case "boolean":
      return [value ? "#t" : "#f"];
    case "number":
    case "bigint":
      return [value.toString()];
  }
  if (value instanceof SchemeString) return [write ? writeStringLiteral(value.text) : value.text];
  if (value instanceof Sym) return [write ? writeSymbol(value.name) : value.name];
  if (value instanceof Flonum) return [formatFlonum(value.value)];
  if (value instanceof Rational) return [numberToString(value)];
  if (value instanceof EmptyList) return ["()"];
  if (Array.isArray(value)) return ["#()"];
  if (value instanceof Char) return [write ? writeChar(value.code) : String.fromCodePoint(value.code)];
  if (value instanceof Keyword) return [`#:${write ? writeSymbol(value.name) : value.name}`];
  if (value instanceof Bytevector) return [`#vu8(${Array.from(value.bytes).join(" ")})`];
  return [printObject(value, write, nested)];
}

function printObject(value: Datum, write: boolean, nested: (inner: Datum) => string): string {
  if (value instanceof Renamed) return write ? writeSymbol(identifierName(value)) : identifierName(value);
  if (value instanceof Unspecified) return "#<unspecified>";
  if (value instanceof EofObject) return "#<eof>";
  if (value instanceof Primitive) return `#<procedure ${value.name} (_)>`;
  if (value instanceof Closure) return `#<procedure ${value.name ?? "anonymous"}>`;
  if (value instanceof SpecialForm || value instanceof Macro) return `#<syntax-transformer ${value.name}>`;
  if (value instanceof RecordInstance) return printRecord(value, nested);
  if (value instanceof RecordType) return `#<record-type ${value.name}>`;
  if (value instanceof InputPort) return `#<input: ${value.fileName ?? "string"}>`;
  if (value instanceof OutputPort) return "#<output: string>";
  if (value instanceof CaseLambda) return `#<procedure ${value.name ?? "anonymous"}>`;
  if (value instanceof HashTable) return `#<hash-table ${value.count}>`;
  if (value instanceof PromiseObject) return "#<promise>";
  if (value instanceof ExceptionObject) return printException(value, nested);
  if (value instanceof MultipleValues) return value.values.map(nested).join(" ");
  return `#<${(value as { schemeType?: string }).schemeType ?? "object"}>`;
}

/** A record as SRFI-9 records print in Guile: `#<<TYPE> FIELD: VALUE ...>`. */
function printRecord(record: RecordInstance, nested: (inner: Datum) => string): string {
  const fields = record.type.fieldNames.map((field) => ` ${field}: ${nested(record.fields.get(field) ?? false)}`);
  return `#<<${record.type.name}>${fields.join("")}>`;
}

/** The first component Guile's conversion of a throw gives, by key. */
const EXCEPTION_KINDS: Record<string, string> = {
  "unbound-variable": "&undefined-variable",
  "wrong-type-arg": "&assertion-failure",
  "out-of-range": "&assertion-failure",
  "wrong-number-of-args": "&assertion-failure",
};

/** An exception object as Guile prints the compound exception it makes from a throw. */
function printException(exception: ExceptionObject, nested: (inner: Datum) => string): string {
  if (exception.nonContinuable) return "#<&non-continuable>";
  const out: string[] = [`#<&compound-exception components: (#<${EXCEPTION_KINDS[exception.key.name] ?? "&error"}> `];
  const args = listToArray(exception.args) ?? [];
  const field = (label: string, value: Datum) => out.push(`#<${label}: ${nested(value)}> `);
  if (args.length >= 3 && args[1] instanceof SchemeString) {
    field("&origin origin", args[0]!);
    field("&message message", args[1]);
    field("&irritants irritants", args[2]!);
  } else field("&irritants irritants", exception.args);
  out.push(`#<&exception-with-kind-and-args kind: ${exception.key.name} args: ${nested(exception.args)}>)>`);
  return out.join("");
}
