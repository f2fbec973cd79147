/**
 * Core forms about the dynamic context and the source file: `parameterize`,
 * `false-if-exception`, `delay`, `include`, `current-filename`; and the
 * module forms `cut`/`cute` of `(srfi srfi-26)` and `and-let*` of
 * `(srfi srfi-2)` / `(ice-9 and-let-star)`.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * writeString(scheme.evalString("(define p (make-parameter 1)) (list (parameterize ((p 2)) (p)) (p))")); // "(2 1)"
 * scheme.evalString("(false-if-exception (car '()))"); // false
 * scheme.evalString('(use-modules (srfi srfi-26)) ((cut string-append "x-" <>) "86")'); // { text: "x-86" }
 */
import { isAbsolute } from "node:path";
import type { BuiltinTable } from "../builtins/registry.ts";
import { Environment } from "../environment.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { Renamed, isIdentifier, isNamed } from "../identifiers.ts";
import {
  Closure,
  LocatedPair,
  NIL,
  Pair,
  ParameterObject,
  PromiseObject,
  SpecialForm,
  TailCall,
  arrayToList,
  listToArray,
  schemeString,
  stringText,
  sym,
  type Datum,
  type Parameters,
} from "../values.ts";
import { badSyntax, body, bindings, operands, shape } from "./shape.ts";

/** What each `(current-filename)` form gives, computed when it first runs. */
const filenames = new WeakMap<Pair, Datum>();

/** Registers the core forms with `define`. */
export function defineDynamicForms(define: (name: string, form: SpecialForm) => void): void {
  define("parameterize", new SpecialForm("parameterize", parameterize));
  define("false-if-exception", new SpecialForm("false-if-exception", falseIfException));
  define("delay", new SpecialForm("delay", (x, env) => new PromiseObject(shape(x, 1, 1)[0]!, env)));
  define("include", new SpecialForm("include", include));
  define(
    "current-filename",
    new SpecialForm("current-filename", (x) => {
      shape(x, 0, 0);
      // Guile's current-filename is a macro whose expansion is a literal: each run of one form gives the same string object.
      let name = filenames.get(x);
      if (name === undefined) {
        const file = x.span?.file;
        // Text that did not come from a file (the command line) has no file name, as in Guile.
        name = file === undefined || file.startsWith("<") ? false : schemeString(isAbsolute(file) ? file : `${process.cwd()}/${file}`);
        filenames.set(x, name);
      }
      return name;
    }),
  );
}

/**
 * Adds `cut` and `cute` to `(srfi srfi-26)` and `and-let*` to `(srfi srfi-2)` and `(ice-9 and-let-star)`.
 *
 * @example
 * import { BuiltinTable } from "../builtins/registry.ts";
 * const table = new BuiltinTable();
 * defineSrfiForms(table);
 * table.modules.get("srfi srfi-26")?.has("cut"); // true
 */
export function defineSrfiForms(table: BuiltinTable): void {
  table.bind("cut", new SpecialForm("cut", (x, env, ev) => cut(x, env, ev, false), false, cutCall), "srfi srfi-26");
  table.bind("cute", new SpecialForm("cute", (x, env, ev) => cut(x, env, ev, true), false, cutCall), "srfi srfi-26");
  const andLet = new SpecialForm("and-let*", andLetStar);
  table.bind("and-let*", andLet, "srfi srfi-2");
  table.bind("and-let*", andLet, "ice-9 and-let-star");
}

function parameterize(x: Pair, env: Environment, ev: Evaluator): Datum {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const specs = (listToArray(rest.car) ?? []).map((spec) => {
    const parts = listToArray(spec);
    if (!parts || parts.length !== 2) throw badSyntax(x);
    return parts as [Datum, Datum];
  });
  const forms = body(rest.cdr, x);
  const parameters = specs.map(([p]) => {
    const value = ev.evaluate(p, env);
    if (!(value instanceof ParameterObject)) {
      throw new SchemeError("wrong-type-arg", `parameterize: not a parameter: ${String(value)}`, x.span);
    }
    return value;
  });
  const values = specs.map(([, v], i) => {
    const value = ev.evaluate(v, env);
    const converter = parameters[i]!.converter;
    return converter === undefined ? value : ev.apply(converter, [value]);
  });
  const saved = parameters.map((p) => p.value);
  parameters.forEach((p, i) => (p.value = values[i]!));
  try {
    // Not a tail position: the old values come back when the body returns, or fails.
    return ev.evaluate(new Pair(BEGIN, forms), env);
  } finally {
    parameters.forEach((p, i) => (p.value = saved[i]!));
  }
}

const BEGIN = new SpecialForm("begin", (x, env, ev) => ev.sequence(x.cdr, env));

function falseIfException(x: Pair, env: Environment, ev: Evaluator): Datum {
  const [expr] = shape(x, 1, 1);
  try {
    return ev.evaluate(expr!, env, (x.cdr as Pair).carSpan);
  } catch (error) {
    if (error instanceof SchemeError && error.catchable) return false;
    throw error;
  }
}

/** `(include "FILE")`: FILE's forms in place of the include, FILE relative to the including file. */
function include(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const name = stringText(shape(x, 1, 1)[0]!);
  if (name === undefined) throw badSyntax(x, "include needs a file name");
  if (!ev.host) throw new SchemeError("file-error", "include: file access is not available here", x.span);
  const forms = ev.host.include(name, x.span?.source);
  for (const form of forms) ev.checkExpansion(form.datum, env);
  return ev.sequence(arrayToList(forms.map((f) => f.datum)), env);
}

const SLOT = sym("<>");
const REST_SLOT = sym("<...>");

/**
 * `(cut PROC-OR-SLOT ARG ...)`: a procedure of as many arguments as there are
 * `<>` slots (plus the rest for a final `<...>`). `cut` evaluates the other
 * expressions at each call, `cute` once, now.
 */
function cut(x: Pair, env: Environment, ev: Evaluator, evaluateNow: boolean): Closure {
  const parts = operands(x);
  if (parts.length === 0) throw badSyntax(x);
  const required: Renamed[] = [];
  let rest: Renamed | null = null;
  const scope = new Environment(env);
  const call = parts.map((part, i) => {
    if (isNamed(part, SLOT)) {
      const parameter = new Renamed(sym(`x${required.length}`), env);
      required.push(parameter);
      return parameter;
    }
    if (isNamed(part, REST_SLOT)) {
      if (i !== parts.length - 1) throw badSyntax(x, "<...> must come last");
      rest = new Renamed(sym("rest"), env);
      return rest;
    }
    if (!evaluateNow || !(part instanceof Pair || isIdentifier(part))) return part;
    const value = new Renamed(sym(`v${i}`), env);
    scope.define(value, ev.evaluate(part, env));
    return value;
  });
  const params: Parameters = { required, optional: [], keys: [], allowOtherKeys: false, rest };
  // With a rest slot the call is (apply PROC ARG ... REST).
  const form = rest === null ? arrayToList(call) : arrayToList([APPLY_FORM, ...call]);
  return new Closure(params, new Pair(form, NIL), scope, null, x.span);
}

/** The call a `cut` form makes, slots as plain names: what Guile's expansion checks (`(cut build-machine <>)` is an invalid record). */
function cutCall(x: Pair): Datum {
  const call = arrayToList(operands(x).map((part) => (isNamed(part, SLOT) || isNamed(part, REST_SLOT) ? sym("slot") : part)));
  return call instanceof Pair ? new LocatedPair(call.car, call.cdr, x.span) : call;
}

/** Calls `(apply PROC ARG ...)` whatever the program has bound `apply` to. */
const APPLY_FORM = new SpecialForm("apply", (x, env, ev) => {
  const items = operands(x);
  return ev.evaluateAll(items, env, (values) => {
    const [proc, ...args] = values;
    const spread = listToArray(args.pop() ?? NIL) ?? [];
    return ev.applyProcedure(proc!, [...args, ...spread], x);
  });
});

/** `(and-let* (CLAUSE ...) BODY ...)`: each clause is `(NAME EXPR)`, `(EXPR)` or a bound NAME; stops at #f. */
function andLetStar(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [clauseList] = shape(x, 1, Infinity);
  const clauses = listToArray(clauseList!);
  if (!clauses) throw badSyntax(x);
  const forms = (x.cdr as Pair).cdr;
  const next = (index: number, scope: Environment, last: Datum): Datum | TailCall => {
    if (index === clauses.length) return forms === NIL ? last : ev.sequence(forms, scope);
    const clause = clauses[index]!;
    if (isIdentifier(clause)) {
      const value = ev.lookup(clause, scope, x.span);
      return value === false ? false : next(index + 1, scope, value);
    }
    const parts = listToArray(clause);
    if (!parts || parts.length === 0 || parts.length > 2) throw badSyntax(x);
    if (parts.length === 1) return ev.then(parts[0]!, scope, (value) => (value === false ? false : next(index + 1, scope, value)));
    const [[name, expr]] = bindings(new Pair(clause, NIL), x);
    return ev.then(expr, scope, (value) => {
      if (value === false) return false;
      const inner = new Environment(scope);
      inner.define(name, value);
      return next(index + 1, inner, value);
    });
  };
  return next(0, env, true);
}
