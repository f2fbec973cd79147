/**
 * Runtime values beyond the reader's data: procedures, special forms,
 * records, ports and the unspecified value. All are plain objects tagged with
 * `schemeType`, so printing and type checks are a switch away.
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("car"); // { schemeType: "primitive", name: "car", minArgs: 1, maxArgs: 1 }
 * scheme.evalString("(lambda (x) x)"); // { schemeType: "closure" }
 * scheme.evalString("(if #f #f)") === UNSPECIFIED; // true
 */
import { NIL as NIL_VALUE, Pair as PairClass, arrayToList as buildList, type Datum, type Pair, type SchemeObject } from "../../grammar/datum.ts";
import type { Span } from "../../grammar/source.ts";
import type { Environment } from "./environment.ts";
import type { Evaluator } from "./evaluator.ts";
import type { Identifier } from "./identifiers.ts";

export * from "../../grammar/datum.ts";

/**
 * What the evaluator's builtins have allocated, in estimated bytes: the
 * `--max-memory` limit is checked against it (see Evaluator). Lists built
 * with {@link arrayToList} count as they are made; other results are counted
 * by the evaluator when a builtin returns them. Past `nextCheck`, `check` —
 * set by the evaluator running — measures the heap.
 */
export const allocation: { bytes: number; nextCheck: number; check: ((pending: number) => void) | undefined } = {
  bytes: 0,
  nextCheck: Infinity,
  check: undefined,
};

/**
 * Count `bytes` about to be allocated, before allocating them: past the next
 * check, the evaluator measures the heap with them added, and a program over
 * --max-memory stops before a doubling list or a huge string exists at all.
 *
 * @example
 * const before = allocation.bytes;
 * reserve(1024);
 * allocation.bytes - before; // 1024
 */
export function reserve(bytes: number): void {
  allocation.bytes += bytes;
  if (allocation.bytes > allocation.nextCheck) allocation.check?.(bytes);
}

/** Estimated bytes of one pair (object header, car, cdr). */
export const PAIR_BYTES = 32;

/**
 * A proper list (or with `tail`, an improper one) of the array's elements,
 * counted in {@link allocation}.
 *
 * @example
 * const before = allocation.bytes;
 * arrayToList([1, 2], 3); // { car: 1, cdr: { car: 2, cdr: 3 } }
 * allocation.bytes - before === 2 * PAIR_BYTES; // true
 */
export function arrayToList(items: readonly Datum[], tail: Datum = NIL_VALUE): Datum {
  reserve(items.length * PAIR_BYTES);
  return buildList(items, tail);
}

/** What `(if #f #f)` returns. */
export class Unspecified implements SchemeObject {
  readonly schemeType = "unspecified";
  static readonly instance = new Unspecified();
  private constructor() {}
}
export const UNSPECIFIED = Unspecified.instance;

/** The end-of-file object. */
export class EofObject implements SchemeObject {
  readonly schemeType = "eof";
  static readonly instance = new EofObject();
  private constructor() {}
}
export const EOF = EofObject.instance;

/** A procedure implemented in TypeScript. `maxArgs` -1 means any number. */
export class Primitive implements SchemeObject {
  readonly schemeType = "primitive";
  constructor(
    readonly name: string,
    readonly minArgs: number,
    readonly maxArgs: number,
    readonly fn: (args: Datum[], evaluator: Evaluator) => Datum,
  ) {}
}

/** An optional or keyword parameter of `lambda*`, with its default expression. */
export interface OptionalParameter {
  name: Identifier;
  defaultExpr: Datum | undefined;
}

/** The parameter list of a closure, after parsing `(a b #:optional c #:key d . rest)`. */
export interface Parameters {
  required: Identifier[];
  optional: OptionalParameter[];
  keys: OptionalParameter[];
  allowOtherKeys: boolean;
  rest: Identifier | null;
}

/** A procedure written in Scheme. */
export class Closure implements SchemeObject {
  readonly schemeType = "closure";
  constructor(
    readonly params: Parameters,
    readonly body: Datum,
    readonly env: Environment,
    public name: string | null,
    readonly span: Span | undefined,
  ) {}
}

/** A `case-lambda` procedure: the first clause that accepts the arguments runs. */
export class CaseLambda implements SchemeObject {
  readonly schemeType = "case-lambda";
  constructor(
    readonly clauses: readonly Closure[],
    public name: string | null,
  ) {}
}

/** A parameter object (`make-parameter`): called with no argument, it returns its current value. */
export class ParameterObject extends Primitive {
  constructor(
    public value: Datum,
    /** Applied to each new value `parameterize` gives it. */
    readonly converter: Datum | undefined,
  ) {
    const self: { parameter?: ParameterObject } = {};
    super("parameter", 0, 0, () => self.parameter!.value);
    self.parameter = this;
  }
}

export type Procedure = Primitive | Closure | CaseLambda;

/** How a special form or macro is run: a value, or a TailCall to continue the machine with. */
export type SyntaxHandler = (form: Pair, env: Environment, evaluator: Evaluator) => Datum | TailCall;

/** A special form (if, define, match, ...): the evaluator calls its handler with the whole form. */
export class SpecialForm implements SchemeObject {
  readonly schemeType = "special-form";
  constructor(
    readonly name: string,
    readonly handler: SyntaxHandler,
    /** True for `quote`, `quasiquote` and macro definitions: what follows is data or templates, not forms to check. */
    readonly quoting = false,
    /**
     * For forms that are macros in Guile (`cut`): the code they stand for,
     * so the expansion-time checks see what Guile's expander sees.
     */
    readonly checkAs?: (form: Pair) => Datum,
  ) {}
}

/**
 * A pair a macro expansion made, located where the macro was used — as
 * Guile locates an expansion's forms (a record a macro builds is "defined
 * at" the use).
 */
export class LocatedPair extends PairClass {
  constructor(
    car: Datum,
    cdr: Datum,
    private readonly at: Span | undefined,
  ) {
    super(car, cdr);
  }
  override get span(): Span | undefined {
    return this.at;
  }
}

/** Tells the evaluator to go on with `expr` in `env` (a tail position). */
export class TailCall {
  constructor(
    readonly expr: Datum,
    readonly env: Environment,
  ) {}
}

/**
 * A macro: a syntax transformer. `check` runs when the enclosing top-level
 * form is expanded, before anything in it is evaluated, as Guile's macro
 * expander does; `expandSyntax` (for `syntax-rules` macros) gives the
 * expansion, so the check goes on inside it.
 */
export class Macro implements SchemeObject {
  readonly schemeType = "macro";
  constructor(
    readonly name: string,
    readonly expand: SyntaxHandler,
    readonly check?: (form: Pair, env: Environment) => void,
    readonly expandSyntax?: (form: Pair) => Datum,
  ) {}
}

/** A record type: its name and field names. */
export class RecordType implements SchemeObject {
  readonly schemeType = "record-type";
  constructor(
    readonly name: string,
    readonly fieldNames: readonly string[],
  ) {}
}

/** An instance of a record type; `span` is where it was constructed. */
export class RecordInstance implements SchemeObject {
  readonly schemeType = "record";
  constructor(
    readonly type: RecordType,
    readonly fields: Map<string, Datum>,
    readonly span: Span | undefined,
  ) {}
}

/** An input port over a string (files are read whole: they are small and read-only). */
export class InputPort implements SchemeObject {
  readonly schemeType = "input-port";
  position = 0;
  closed = false;
  constructor(
    readonly text: string,
    readonly fileName: string | null,
  ) {}
}

/** Estimated bytes of a string's own object, besides its characters. */
const CHUNK_BYTES = 16;

/** An output port: a string port collecting text, or the program's output (`sink`). Never a file. */
export class OutputPort implements SchemeObject {
  readonly schemeType = "output-port";
  private readonly chunks: string[] = [];
  closed = false;
  /** Characters written since the last newline (for `format`'s ~& and ~t). */
  column = 0;
  constructor(readonly sink?: (text: string) => void) {}

  write(text: string): void {
    if (text === "") return;
    if (this.sink) this.sink(text);
    else {
      // What a string port collects is the program's data: a loop writing to one is an allocation bomb.
      reserve(2 * text.length + CHUNK_BYTES);
      this.chunks.push(text);
    }
    const newline = text.lastIndexOf("\n");
    this.column = newline === -1 ? this.column + text.length : text.length - newline - 1;
  }

  /** What a string port has collected. */
  text(): string {
    const all = this.chunks.join("");
    this.chunks.length = 0;
    if (all !== "") this.chunks.push(all);
    return all;
  }
}

/** A promise from `delay` (an expression to evaluate once) or `make-promise` (a value). */
export class PromiseObject implements SchemeObject {
  readonly schemeType = "promise";
  forced = false;
  value: Datum | undefined;
  constructor(
    readonly expr: Datum,
    readonly env: Environment | undefined,
  ) {}
}

/**
 * An exception object, as `with-exception-handler` and `guard` handlers
 * receive it for an error or a throw: Guile's throw key and arguments.
 */
export class ExceptionObject implements SchemeObject {
  readonly schemeType = "exception";
  constructor(
    readonly key: import("../../grammar/datum.ts").Sym,
    readonly args: Datum,
    /** For the error raised when a handler returns from a non-continuable exception. */
    readonly nonContinuable = false,
  ) {}
}

/** A hash table (`make-hash-table`): entries in insertion order, found through an index of structural keys. */
export class HashTable implements SchemeObject {
  readonly schemeType = "hash-table";
  readonly entries: Array<[Datum, Datum] | undefined> = [];
  /** Structural key → indexes into `entries` (a superset of the matches for eq?, eqv? and equal?). */
  readonly index = new Map<string, number[]>();
  count = 0;
}

/** Several values, from `(values a b)`. */
export class MultipleValues implements SchemeObject {
  readonly schemeType = "values";
  constructor(readonly values: Datum[]) {}
}

/**
 * True for anything `procedure?` accepts.
 *
 * @example
 * isProcedure(new Primitive("f", 0, 0, () => 1)); // true
 */
export function isProcedure(value: Datum): value is Procedure {
  return value instanceof Primitive || value instanceof Closure || value instanceof CaseLambda;
}
