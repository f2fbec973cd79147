/**
 * Raising and handling errors as Guile 3.0 does: `catch`, `throw`, `error`,
 * `scm-error`, `raise-exception`, `with-exception-handler` (handlers that
 * run where the exception is raised, or after unwinding with `#:unwind? #t`),
 * `false-if-exception` (syntax/dynamic-forms.ts), `guard` and `raise` of
 * `(srfi srfi-34)` and `(ice-9 exceptions)`, `raise-continuable`, and the
 * exception accessors. A limit or a refusal is never caught: it must stop
 * the load whatever the program says.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("(catch #t (lambda () (error \"boom\" 1)) (lambda (key . args) (cons key args)))"));
 * // "(misc-error #f \"~A ~S\" (\"boom\" 1) #f)"
 * scheme.evalString("(catch #t (lambda () (car 5)) (lambda (key . args) key))"); // { name: "wrong-type-arg" }
 * // raise-continuable and guard come from modules, as in Guile
 * scheme.evalString("(use-modules (ice-9 exceptions) (srfi srfi-34))");
 * scheme.evalString("(with-exception-handler (lambda (e) 10) (lambda () (+ 1 (raise-continuable 5))))"); // 11
 * scheme.evalString("(guard (e ((string? e) (string-append \"caught \" e))) (raise \"x\"))"); // { text: "caught x" }
 */
import { Environment } from "../environment.ts";
import { SchemeError, type SchemeErrorCode } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { isIdentifier } from "../identifiers.ts";
import { displayString, writeAbbreviated, writeString } from "../printer.ts";
import {
  ExceptionObject,
  Keyword,
  NIL,
  Pair,
  SchemeString,
  SpecialForm,
  Sym,
  arrayToList,
  list,
  listToArray,
  schemeString,
  stringText,
  sym,
  type Datum,
} from "../values.ts";
import { expectProcedure, type BuiltinTable } from "./registry.ts";
import { badSyntax, body } from "../syntax/shape.ts";
import { simpleFormat } from "./format.ts";

/** Throw keys that are also our error codes; any other key a program throws is `uncaught-throw`. */
const KEY_CODES: ReadonlySet<string> = new Set([
  "misc-error",
  "wrong-type-arg",
  "wrong-number-of-args",
  "unbound-variable",
  "syntax-error",
  "numerical-overflow",
  "out-of-range",
  "read-error",
  "match-error",
]);

/**
 * The error for `(throw KEY . ARGS)`.
 *
 * @example
 * import { list, schemeString, sym } from "../values.ts";
 * thrown(sym("no-machines"), list(schemeString("today"))).code; // "uncaught-throw"
 * thrown(sym("wrong-type-arg"), list(schemeString("car"), schemeString("bad ~a"), list(5), false)).message; // "car: bad 5"
 */
export function thrown(key: Sym, args: Datum): SchemeError {
  const code: SchemeErrorCode = KEY_CODES.has(key.name) ? (key.name as SchemeErrorCode) : key.name === "system-error" ? "file-error" : "uncaught-throw";
  return new SchemeError(code, messageOf(key, args), undefined, { key, args });
}

/** A readable message for a throw: Guile's `(SUBR FORMAT ARGS DATA)` formatted, else the key and arguments. */
function messageOf(key: Sym, args: Datum): string {
  const items = listToArray(args);
  const control = items && items.length >= 3 ? stringText(items[1]!) : undefined;
  if (items && control !== undefined) {
    const formatArgs = listToArray(items[2]!);
    try {
      const text = simpleFormat(control.replace(/~S/g, "~s").replace(/~A/g, "~a"), formatArgs ?? []);
      const origin = stringText(items[0]!);
      return origin !== undefined ? `${origin}: ${text}` : text;
    } catch {
      // Not a format string after all: say what was thrown.
    }
  }
  return `Throw to key \`${key.name}' with args ${writeAbbreviated(args)}.`;
}

/**
 * What a handler receives for an error: the raised object, or an exception object.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { list, sym } from "../values.ts";
 * exceptionValue(thrown(sym("no-machines"), list("today"))); // { schemeType: "exception", key: { name: "no-machines" } }
 * // and the value itself for (raise-exception 42), as a handler sees it:
 * createInterpreter().evalString("(with-exception-handler (lambda (e) e) (lambda () (raise-exception 42)) #:unwind? #t)"); // 42
 */
export function exceptionValue(error: SchemeError): Datum {
  return error.raised !== undefined ? error.raised : new ExceptionObject(error.key, error.args);
}

/** The error that carries `value` out of `raise-exception`. */
function errorFor(value: Datum): SchemeError {
  if (value instanceof ExceptionObject) return thrown(value.key, value.args);
  return new SchemeError("uncaught-exception", `uncaught exception: ${writeAbbreviated(value)}`, undefined, {
    key: sym("%exception"),
    args: list(value),
    raised: value,
  });
}

function nonContinuable(): SchemeError {
  const condition = new ExceptionObject(sym("%exception"), NIL, true);
  return new SchemeError("uncaught-exception", "an exception handler returned from a non-continuable exception", undefined, {
    key: sym("%exception"),
    args: list(condition),
    raised: condition,
  });
}

/**
 * `raise-exception`: a handler of `with-exception-handler` that runs in
 * place is called right here (for a continuable raise its value is the
 * result); otherwise the exception unwinds to `catch`, `guard` or an
 * unwinding handler.
 */
function raise(ev: Evaluator, value: Datum, continuable: boolean): Datum {
  const handlers = ev.exceptionHandlers;
  const top = handlers[handlers.length - 1];
  if (top === undefined || top === "unwind") throw errorFor(value);
  // The handler runs with the handlers outside its own with-exception-handler.
  handlers.pop();
  let result: Datum;
  try {
    result = ev.apply(top, [value]);
  } finally {
    handlers.push(top);
  }
  if (continuable) return result;
  const error = nonContinuable();
  error.handled = true;
  throw error;
}

/** Runs `thunk` under a marker on the handler stack; returns its value or the catchable error it raised. */
function guarded(ev: Evaluator, marker: Datum | "unwind", thunk: () => Datum): { value: Datum } | { error: SchemeError } {
  ev.exceptionHandlers.push(marker);
  try {
    return { value: thunk() };
  } catch (error) {
    if (error instanceof SchemeError && error.catchable) return { error };
    throw error;
  } finally {
    ev.exceptionHandlers.pop();
  }
}

/**
 * Registers the procedures (and `guard`) in Guile's default environment and the exception modules.
 *
 * @example
 * import { BuiltinTable } from "./registry.ts";
 * const table = new BuiltinTable();
 * defineExceptionBuiltins(table);
 * table.modules.get("srfi srfi-34")?.has("guard"); // true
 */
export function defineExceptionBuiltins(table: BuiltinTable): void {
  table.define("catch", 3, 4, ([key, thunk, handler], ev) => {
    const outcome = guarded(ev, "unwind", () => ev.apply(expectProcedure("catch", thunk!, 2), []));
    if ("value" in outcome) return outcome.value;
    const error = outcome.error;
    if (key !== true && key !== error.key) throw error;
    return ev.apply(expectProcedure("catch", handler!, 3), [error.key, ...(listToArray(error.args) ?? [error.args])]);
  });
  table.define("throw", 1, -1, ([key, ...args]) => {
    if (!(key instanceof Sym)) throw new SchemeError("wrong-type-arg", `throw: wrong type argument in position 1 (expecting symbol): ${writeString(key!)}`);
    throw thrown(key, arrayToList(args));
  });
  table.define("error", 0, -1, (args) => {
    const [message, ...irritants] = args;
    const format = message === undefined ? "" : ["~A", ...irritants.map(() => "~S")].join(" ");
    const text = args.length === 0 ? "error" : [displayString(message!), ...irritants.map((x) => writeString(x))].join(" ");
    throw new SchemeError("misc-error", text, undefined, { key: sym("misc-error"), args: list(false, schemeString(format), arrayToList(args), false) });
  });
  table.define("scm-error", 5, 5, ([key, subr, message, args, data]) => {
    if (!(key instanceof Sym)) throw new SchemeError("wrong-type-arg", "scm-error: the key must be a symbol");
    throw thrown(key, list(subr!, message!, args!, data!));
  });
  table.define("raise-exception", 1, 3, ([value, keyword, continuable], ev) => {
    const isContinuable = keyword instanceof Keyword && keyword.name === "continuable?" && continuable !== false;
    return raise(ev, value!, isContinuable);
  });
  const withHandler =
    (name: string) =>
    (args: Datum[], ev: Evaluator): Datum => {
      const [handler, thunk, keyword, unwind] = args;
      const procedure = expectProcedure(name, handler!, 1);
      const unwinding = keyword instanceof Keyword && keyword.name === "unwind?" && unwind !== false && unwind !== undefined;
      const outcome = guarded(ev, unwinding ? "unwind" : procedure, () => ev.apply(expectProcedure(name, thunk!, 2), []));
      if ("value" in outcome) return outcome.value;
      const error = outcome.error;
      if (!unwinding && error.handled) throw error;
      const result = ev.apply(procedure, [exceptionValue(error)]);
      if (unwinding) return result;
      // An error raised by a primitive reaches an in-place handler only here; it was not continuable.
      const after = nonContinuable();
      after.handled = true;
      throw after;
    };
  table.define("with-exception-handler", 2, 4, withHandler("with-exception-handler"));
  table.define("exception?", 1, 1, ([x]) => x instanceof ExceptionObject);
  table.define("exception-kind", 1, 1, ([x]) => expectException("exception-kind", x!).key);
  table.define("exception-args", 1, 1, ([x]) => expectException("exception-args", x!).args);
  for (const module of ["srfi srfi-34", "ice-9 exceptions"]) {
    table.define("with-exception-handler", 2, 4, withHandler("with-exception-handler"), module);
    table.bind("guard", new SpecialForm("guard", guard), module);
  }
  table.define("raise", 1, 1, ([value], ev) => raise(ev, value!, false), "srfi srfi-34");
  table.define(
    "raise-exception",
    1,
    3,
    ([value, keyword, continuable], ev) => raise(ev, value!, keyword instanceof Keyword && keyword.name === "continuable?" && continuable !== false),
    "ice-9 exceptions",
  );
  table.define("raise-continuable", 1, 1, ([value], ev) => raise(ev, value!, true), "ice-9 exceptions");
  defineExceptionAccessors(table);
}

function expectException(who: string, value: Datum): ExceptionObject {
  if (value instanceof ExceptionObject) return value;
  throw new SchemeError("wrong-type-arg", `${who}: wrong type argument in position 1 (expecting exception): ${writeString(value)}`);
}

/** The `(SUBR MESSAGE IRRITANTS ...)` of an exception's arguments, when it has that shape. */
function standardArgs(value: Datum): { origin: Datum; message: SchemeString; irritants: Datum } | undefined {
  if (!(value instanceof ExceptionObject)) return undefined;
  const items = listToArray(value.args);
  if (!items || items.length < 3 || !(items[1] instanceof SchemeString)) return undefined;
  return { origin: items[0]!, message: items[1], irritants: items[2]! };
}

function defineExceptionAccessors(table: BuiltinTable): void {
  const module = "ice-9 exceptions";
  table.define("error?", 1, 1, ([x]) => x instanceof ExceptionObject && !x.nonContinuable, module);
  table.define("exception-with-message?", 1, 1, ([x]) => standardArgs(x!) !== undefined, module);
  table.define("exception-with-irritants?", 1, 1, ([x]) => x instanceof ExceptionObject && !x.nonContinuable, module);
  table.define("exception-with-origin?", 1, 1, ([x]) => standardArgs(x!) !== undefined, module);
  table.define(
    "exception-message",
    1,
    1,
    ([x]) => {
      const parts = standardArgs(x!);
      if (!parts) throw new SchemeError("wrong-type-arg", `exception-message: not an exception with a message: ${writeString(x!)}`);
      return parts.message;
    },
    module,
  );
  table.define("exception-irritants", 1, 1, ([x]) => standardArgs(x!)?.irritants ?? expectException("exception-irritants", x!).args, module);
  table.define(
    "exception-origin",
    1,
    1,
    ([x]) => {
      const parts = standardArgs(x!);
      if (!parts) throw new SchemeError("wrong-type-arg", `exception-origin: not an exception with an origin: ${writeString(x!)}`);
      return parts.origin;
    },
    module,
  );
  table.reexport("exception?", "guile", module);
  table.reexport("exception-kind", "guile", module);
  table.reexport("exception-args", "guile", module);
  table.reexport("with-exception-handler", module, module);
}

const NO_CLAUSE = Symbol("no guard clause matched");

/**
 * `(guard (VAR CLAUSE ...) BODY ...)`: runs BODY; on an exception binds VAR
 * to it and evaluates the `cond` CLAUSEs; when none applies the exception
 * is raised again.
 */
function guard(x: Pair, env: Environment, ev: Evaluator): Datum {
  const spec = (x.cdr as Pair | undefined)?.car;
  if (!(spec instanceof Pair) || !isIdentifier(spec.car)) throw badSyntax(x);
  const forms = body((x.cdr as Pair).cdr, x);
  const outcome = guarded(ev, "unwind", () => {
    let result: Datum = false;
    for (let cursor: Datum = forms; cursor instanceof Pair; cursor = cursor.cdr) result = ev.evaluate(cursor.car, env);
    return result;
  });
  if ("value" in outcome) return outcome.value;
  const scope = new Environment(env);
  scope.define(spec.car, exceptionValue(outcome.error));
  const cond = ev.global.lookup(sym("cond"));
  const quote = ev.global.lookup(sym("quote"));
  const marker = new SentinelDatum();
  const elseClause = list(sym("else"), list(quote!, marker));
  const result = ev.evaluate(new Pair(cond!, arrayToList([...(listToArray(spec.cdr) ?? []), elseClause])), scope);
  if (result === marker) throw outcome.error;
  return result;
}

/** A value no program can produce: what the implicit last clause of `guard` returns. */
class SentinelDatum {
  readonly schemeType = "guard-sentinel";
  readonly tag = NO_CLAUSE;
}
