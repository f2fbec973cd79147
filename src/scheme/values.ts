/**
 * Runtime values beyond the reader's data: procedures, special forms,
 * records, ports and the unspecified value. All are plain objects tagged with
 * `schemeType`, so printing and type checks are a switch away.
 *
 * @example
 * const car = new Primitive("car", 1, 1, ([p]) => (p as Pair).car);
 */
import type { Datum, SchemeObject, Sym } from "../../grammar/datum.ts";
import type { Span } from "../../grammar/source.ts";
import type { Environment } from "./environment.ts";
import type { Evaluator } from "./evaluator.ts";

export * from "../../grammar/datum.ts";

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
  name: Sym;
  defaultExpr: Datum | undefined;
}

/** The parameter list of a closure, after parsing `(a b #:optional c #:key d . rest)`. */
export interface Parameters {
  required: Sym[];
  optional: OptionalParameter[];
  keys: OptionalParameter[];
  allowOtherKeys: boolean;
  rest: Sym | null;
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

export type Procedure = Primitive | Closure;

/** A special form (if, define, ...): the evaluator dispatches on `name`. */
export class SpecialForm implements SchemeObject {
  readonly schemeType = "special-form";
  constructor(readonly name: string) {}
}

/** Tells the evaluator to go on with `expr` in `env` (a tail position). */
export class TailCall {
  constructor(
    readonly expr: Datum,
    readonly env: Environment,
  ) {}
}

/**
 * A syntax transformer defined outside the evaluator (such as a record
 * constructor). `check` runs when the enclosing top-level form is expanded,
 * before anything in it is evaluated, as Guile's macro expander does.
 */
export class Macro implements SchemeObject {
  readonly schemeType = "macro";
  constructor(
    readonly name: string,
    readonly expand: (form: import("../../grammar/datum.ts").Pair, env: Environment, evaluator: Evaluator) => Datum | TailCall,
    readonly check?: (form: import("../../grammar/datum.ts").Pair) => void,
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

/** Several values, from `(values a b)`. */
export class MultipleValues implements SchemeObject {
  readonly schemeType = "values";
  constructor(readonly values: Datum[]) {}
}

/** True for anything `procedure?` accepts. */
export function isProcedure(value: Datum): value is Procedure {
  return value instanceof Primitive || value instanceof Closure;
}
