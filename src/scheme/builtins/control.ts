/**
 * Procedures about procedures and control in Guile's default environment:
 * equivalence and type predicates, multiple values, parameters, promises,
 * `dynamic-wind`, escape-only continuations, and the combinators
 * `const`, `identity`, `compose`, `negate`, `and=>`.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("((compose car cdr) '(1 2))"); // 2
 * scheme.evalString("(and=> 5 1+)"); // 6
 * scheme.evalString("(and=> #f 1+)"); // false
 * scheme.evalString("(call-with-values (lambda () (values 1 2)) +)"); // 3
 */
import { eq, eqv, isEqual } from "../equality.ts";
import { writeString } from "../printer.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import {
  Bytevector,
  CaseLambda,
  Closure,
  EofObject,
  MultipleValues,
  ParameterObject,
  Primitive,
  PromiseObject,
  Sym,
  isProcedure,
  sym,
  type Datum,
} from "../values.ts";
import { expectProcedure, type BuiltinTable } from "./registry.ts";

/** Thrown by an escape-only continuation to return to its `call/cc`. */
class Escape {
  constructor(
    readonly token: object,
    readonly values: Datum[],
  ) {}
}

/**
 * Registers the procedures.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineControlBuiltins(table);
 * table.modules.get("guile")?.has("call/cc"); // true
 */
export function defineControlBuiltins(table: BuiltinTable): void {
  table.define("eq?", 2, 2, ([a, b]) => eq(a!, b!));
  table.define("eqv?", 2, 2, ([a, b]) => eqv(a!, b!));
  table.define("equal?", 2, 2, ([a, b]) => isEqual(a!, b!));
  table.define("not", 1, 1, ([x]) => x === false);
  table.define("boolean?", 1, 1, ([x]) => typeof x === "boolean");
  table.define("procedure?", 1, 1, ([x]) => isProcedure(x!));
  table.define("bytevector?", 1, 1, ([x]) => x instanceof Bytevector);
  table.define("eof-object?", 1, 1, ([x]) => x instanceof EofObject);
  table.define("identity", 1, 1, ([x]) => x!);
  table.define("const", 1, 1, ([x]) => new Primitive("const", 0, -1, () => x!));
  table.define("compose", 0, -1, (procedures) => {
    procedures.forEach((p, i) => expectProcedure("compose", p, i + 1));
    return new Primitive("compose", 0, -1, (args, ev) => {
      if (procedures.length === 0) return args.length === 1 ? args[0]! : new MultipleValues(args);
      let values = args;
      for (let i = procedures.length - 1; i >= 0; i--) values = valuesOf(ev.apply(procedures[i]!, values));
      return values.length === 1 ? values[0]! : new MultipleValues(values);
    });
  });
  table.define("negate", 1, 1, ([p]) => {
    const procedure = expectProcedure("negate", p!, 1);
    return new Primitive("negate", 0, -1, (args, ev) => ev.apply(procedure, args) === false);
  });
  table.define("and=>", 2, 2, ([value, p], ev) => (value === false ? false : ev.apply(expectProcedure("and=>", p!, 2), [value!])));
  table.define("values", 0, -1, (args) => (args.length === 1 ? args[0]! : new MultipleValues(args)));
  table.define("call-with-values", 2, 2, ([producer, consumer], ev) => ev.apply(consumer!, valuesOf(ev.apply(producer!, []))));
  table.define("procedure-name", 1, 1, ([p]) => {
    if (p instanceof Primitive) return sym(p.name);
    if (p instanceof Closure || p instanceof CaseLambda) return p.name === null ? false : sym(p.name);
    return false;
  });
  table.define("make-parameter", 1, 2, ([value, converter], ev) => {
    const initial = converter === undefined ? value! : ev.apply(expectProcedure("make-parameter", converter, 2), [value!]);
    return new ParameterObject(initial, converter);
  });
  // Guile's core make-promise takes the thunk that computes the value.
  table.define("make-promise", 1, 1, ([thunk]) => new PromiseObject(expectProcedure("make-promise", thunk!, 1), undefined));
  table.define("promise?", 1, 1, ([x]) => x instanceof PromiseObject);
  table.define("defined?", 1, 2, ([name], ev) => {
    if (!(name instanceof Sym))
      throw new SchemeError("wrong-type-arg", `defined?: wrong type argument in position 1 (expecting symbol): ${writeString(name!)}`);
    return ev.topLevel.lookup(name) !== undefined;
  });
  table.define("force", 1, 1, ([p], ev) => force(p!, ev));
  table.define("dynamic-wind", 3, 3, ([before, thunk, after], ev) => {
    ev.apply(before!, []);
    try {
      return ev.apply(thunk!, []);
    } finally {
      ev.apply(after!, []);
    }
  });
  for (const name of ["call-with-current-continuation", "call/cc"]) {
    table.define(name, 1, 1, ([receiver], ev) => callWithEscape(name, receiver!, ev));
  }
}

/** The values a producer returned: several from `(values ...)`, else the one value. */
function valuesOf(value: Datum): Datum[] {
  return value instanceof MultipleValues ? value.values : [value];
}

function force(value: Datum, ev: Evaluator): Datum {
  if (!(value instanceof PromiseObject)) {
    throw new SchemeError("wrong-type-arg", `force: wrong type argument in position 1 (expecting promise): ${writeString(value)}`);
  }
  if (!value.forced) {
    // delay keeps an expression and its environment; make-promise a thunk.
    const result = value.env ? ev.evaluate(value.expr, value.env) : ev.apply(value.expr, []);
    // A promise forced again from its own body keeps the first value, as R7RS says.
    if (!value.forced) {
      value.forced = true;
      value.value = result;
    }
  }
  return value.value!;
}

/**
 * `call/cc` with escape-only continuations: calling `k` while `call/cc` is
 * still running returns from it; re-entering a continuation later is not
 * supported (it is an error, said as such).
 */
function callWithEscape(name: string, receiver: Datum, ev: Evaluator): Datum {
  const token = {};
  let active = true;
  const continuation = new Primitive("continuation", 0, -1, (values) => {
    if (!active) throw new SchemeError("unsupported", `${name}: re-entering a continuation after ${name} returned is not supported by this evaluator`);
    throw new Escape(token, values);
  });
  try {
    return ev.apply(expectProcedure(name, receiver, 1), [continuation]);
  } catch (error) {
    if (error instanceof Escape && error.token === token) return error.values.length === 1 ? error.values[0]! : new MultipleValues(error.values);
    throw error;
  } finally {
    active = false;
  }
}
