/**
 * Guile's core binding forms: define (and define*, define-public,
 * define-values), set!, lambda, lambda*, case-lambda, let (named too), let*,
 * letrec, letrec*, do — and the multiple-value binders of `(ice-9 receive)`
 * and `(srfi srfi-11)`, which {@link defineValuesModules} adds to those modules.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(let loop ((i 0) (sum 0)) (if (= i 4) sum (loop (+ i 1) (+ sum i))))"); // 6
 * writeString(scheme.evalString("(define-values (q r) (floor/ 7 2)) (list q r)")); // "(3 1)"
 * writeString(scheme.evalString("(use-modules (ice-9 receive)) (receive (q . rest) (values 1 2 3) rest)")); // "(2 3)"
 */
import type { BuiltinTable } from "../builtins/registry.ts";
import { Environment } from "../environment.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { identifierName, isIdentifier, type Identifier } from "../identifiers.ts";
import { parseParameters } from "../parameters.ts";
import { CaseLambda, Closure, MultipleValues, NIL, Pair, SpecialForm, TailCall, UNSPECIFIED, arrayToList, type Datum, type Parameters } from "../values.ts";
import { badSyntax, bindings, body, operands, shape } from "./shape.ts";

/**
 * Registers the core forms with `define`.
 *
 * @example
 * import type { SpecialForm } from "../values.ts";
 * const forms = new Map<string, SpecialForm>();
 * defineBindingForms((name, form) => forms.set(name, form));
 * forms.has("let*"); // true
 */
export function defineBindingForms(define: (name: string, form: SpecialForm) => void): void {
  for (const name of ["define", "define-public"]) define(name, new SpecialForm(name, (x, env, ev) => defineForm(x, env, ev, false)));
  define("define*", new SpecialForm("define*", (x, env, ev) => defineForm(x, env, ev, true)));
  define("define-values", new SpecialForm("define-values", defineValues));
  define("set!", new SpecialForm("set!", setForm));
  for (const name of ["lambda", "lambda*"]) {
    define(
      name,
      new SpecialForm(name, (x, env) => {
        const rest = x.cdr;
        if (!(rest instanceof Pair)) throw badSyntax(x);
        return new Closure(parseParameters(rest.car, name === "lambda*", x), body(rest.cdr, x), env, null, x.span);
      }),
    );
  }
  for (const name of ["case-lambda", "case-lambda*"]) {
    define(name, new SpecialForm(name, (x, env) => caseLambda(x, env, name === "case-lambda*")));
  }
  define("let", new SpecialForm("let", letForm));
  define("let*", new SpecialForm("let*", letStar));
  for (const name of ["letrec", "letrec*"]) define(name, new SpecialForm(name, letrec));
  define("do", new SpecialForm("do", doLoop));
}

/**
 * Adds `receive` to `(ice-9 receive)` and `let-values`, `let*-values` to `(srfi srfi-11)`.
 *
 * @example
 * import { BuiltinTable } from "../builtins/registry.ts";
 * const table = new BuiltinTable();
 * defineValuesModules(table);
 * table.modules.get("srfi srfi-11")?.has("let-values"); // true
 */
export function defineValuesModules(table: BuiltinTable): void {
  table.bind("receive", new SpecialForm("receive", receive), "ice-9 receive");
  table.bind("receive", table.modules.get("ice-9 receive")!.get("receive")!, "srfi srfi-8");
  table.bind("let-values", new SpecialForm("let-values", (x, env, ev) => letValues(x, env, ev, false)), "srfi srfi-11");
  table.bind("let*-values", new SpecialForm("let*-values", (x, env, ev) => letValues(x, env, ev, true)), "srfi srfi-11");
}

function nameClosure(value: Datum, name: Identifier): void {
  if (value instanceof Closure && value.name === null) value.name = identifierName(name);
  else if (value instanceof CaseLambda && value.name === null) value.name = identifierName(name);
}

function defineForm(x: Pair, env: Environment, ev: Evaluator, star: boolean): Datum | TailCall {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const target = rest.car;
  if (isIdentifier(target)) {
    const exprs = operands(x).slice(1);
    if (exprs.length > 1) throw badSyntax(x);
    const bind = (value: Datum) => {
      nameClosure(value, target);
      env.define(target, value);
      return UNSPECIFIED;
    };
    return exprs.length === 0 ? bind(UNSPECIFIED) : ev.then(exprs[0]!, env, bind, (rest.cdr as Pair).carSpan);
  }
  // (define ((curried a) b) ...) is Guile's curried definition: (define (curried a) (lambda (b) ...)).
  if (target instanceof Pair) {
    let head: Datum = target;
    let bodyForms: Datum = rest.cdr;
    while (head instanceof Pair && head.car instanceof Pair) {
      bodyForms = new Pair(new Pair(star ? LAMBDA_STAR : LAMBDA, new Pair(head.cdr, bodyForms)), NIL);
      head = head.car;
    }
    if (head instanceof Pair && isIdentifier(head.car)) {
      const closure = new Closure(parseParameters(head.cdr, star, x), body(bodyForms, x), env, identifierName(head.car), x.span);
      env.define(head.car, closure);
      return UNSPECIFIED;
    }
  }
  throw badSyntax(x);
}

const LAMBDA = new SpecialForm("lambda", (x, env) => {
  const rest = x.cdr as Pair;
  return new Closure(parseParameters(rest.car, false, x), body(rest.cdr, x), env, null, x.span);
});
const LAMBDA_STAR = new SpecialForm("lambda*", (x, env) => {
  const rest = x.cdr as Pair;
  return new Closure(parseParameters(rest.car, true, x), body(rest.cdr, x), env, null, x.span);
});

function setForm(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [target, expr] = shape(x, 2, 2);
  if (!isIdentifier(target!)) throw badSyntax(x);
  return ev.then(
    expr!,
    env,
    (value) => {
      if (!env.set(target, value)) throw ev.unboundVariable(target, env, x.span);
      return UNSPECIFIED;
    },
    ((x.cdr as Pair).cdr as Pair).carSpan,
  );
}

function caseLambda(x: Pair, env: Environment, star: boolean): CaseLambda {
  const clauses = operands(x).map((clause) => {
    if (!(clause instanceof Pair)) throw badSyntax(x);
    return new Closure(parseParameters(clause.car, star, x), body(clause.cdr, x), env, null, x.span);
  });
  return new CaseLambda(clauses, null);
}

function letForm(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  if (isIdentifier(rest.car)) return namedLet(rest.car, x, env, ev);
  const pairs = bindings(rest.car, x);
  const forms = body(rest.cdr, x);
  return ev.evaluateAll(
    pairs.map(([, init]) => init),
    env,
    (values) => {
      const scope = new Environment(env);
      pairs.forEach(([name], i) => {
        nameClosure(values[i]!, name);
        scope.define(name, values[i]!);
      });
      return ev.sequence(forms, scope);
    },
  );
}

function namedLet(name: Identifier, x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const rest = (x.cdr as Pair).cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const pairs = bindings(rest.car, x);
  const loopEnv = new Environment(env);
  const params: Parameters = { required: pairs.map(([n]) => n), optional: [], keys: [], allowOtherKeys: false, rest: null };
  const loop = new Closure(params, body(rest.cdr, x), loopEnv, identifierName(name), x.span);
  loopEnv.define(name, loop);
  return ev.evaluateAll(
    pairs.map(([, init]) => init),
    env,
    (values) => ev.applyProcedure(loop, values, x),
  );
}

function letStar(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const pairs = bindings(rest.car, x);
  const forms = body(rest.cdr, x);
  const next = (index: number, scope: Environment): Datum | TailCall => {
    if (index === pairs.length) return ev.sequence(forms, new Environment(scope));
    const [name, init] = pairs[index]!;
    return ev.then(init, scope, (value) => {
      nameClosure(value, name);
      const inner = new Environment(scope);
      inner.define(name, value);
      return next(index + 1, inner);
    });
  };
  return next(0, env);
}

function letrec(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const pairs = bindings(rest.car, x);
  const forms = body(rest.cdr, x);
  const scope = new Environment(env);
  const next = (index: number): Datum | TailCall => {
    if (index === pairs.length) return ev.sequence(forms, scope);
    const [name, init] = pairs[index]!;
    return ev.then(init, scope, (value) => {
      nameClosure(value, name);
      scope.define(name, value);
      return next(index + 1);
    });
  };
  return next(0);
}

function doLoop(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [specs, exit, ...forms] = operands(x);
  if (specs === undefined || !(exit instanceof Pair)) throw badSyntax(x);
  const variables = listToArrayOrFail(specs, x).map((spec) => {
    const parts = listToArrayOrFail(spec, x);
    if (!isIdentifier(parts[0]!) || parts.length < 2 || parts.length > 3) throw badSyntax(x);
    return { name: parts[0], init: parts[1]!, step: parts[2] ?? parts[0] };
  });
  const bindAll = (values: Datum[]) => {
    const scope = new Environment(env);
    variables.forEach((v, i) => scope.define(v.name, values[i]!));
    return scope;
  };
  const iterate = (scope: Environment): Datum | TailCall =>
    ev.then(exit.car, scope, (done) => {
      if (done !== false) return ev.sequence(exit.cdr, scope);
      const runBody = (index: number): Datum | TailCall => {
        if (index === forms.length) {
          return ev.evaluateAll(
            variables.map((v) => v.step),
            scope,
            (values) => iterate(bindAll(values)),
          );
        }
        return ev.then(forms[index]!, scope, () => runBody(index + 1));
      };
      return runBody(0);
    });
  return ev.evaluateAll(
    variables.map((v) => v.init),
    env,
    (values) => iterate(bindAll(values)),
  );
}

function listToArrayOrFail(list: Datum, x: Pair): Datum[] {
  const items: Datum[] = [];
  let cursor = list;
  for (; cursor instanceof Pair; cursor = cursor.cdr) items.push(cursor.car);
  if (cursor !== NIL) throw badSyntax(x);
  return items;
}

/** The values a producer returned: several from `(values ...)`, else the one value. */
function valuesOf(value: Datum): Datum[] {
  return value instanceof MultipleValues ? value.values : [value];
}

/** Binds formals `(a b . rest)` (or a lone `rest`) to `values` in `scope`, as lambda would. */
function bindFormals(formals: Datum, values: Datum[], scope: Environment, x: Pair): void {
  let cursor = formals;
  let index = 0;
  for (; cursor instanceof Pair; cursor = cursor.cdr, index++) {
    if (!isIdentifier(cursor.car)) throw badSyntax(x);
    if (index >= values.length) throw valuesCountError(x, values.length);
    scope.define(cursor.car, values[index]!);
  }
  if (isIdentifier(cursor)) scope.define(cursor, arrayToList(values.slice(index)));
  else if (cursor !== NIL) throw badSyntax(x);
  else if (index !== values.length) throw valuesCountError(x, values.length);
}

function valuesCountError(x: Pair, count: number): SchemeError {
  return new SchemeError("wrong-number-of-args", `Wrong number of values: got ${count}`, x.span);
}

function defineValues(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [formals, expr] = shape(x, 2, 2);
  return ev.then(expr!, env, (value) => {
    bindFormals(formals!, valuesOf(value), env, x);
    return UNSPECIFIED;
  });
}

/** `(receive FORMALS EXPR BODY...)`. */
function receive(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [formals, expr] = shape(x, 3, Infinity);
  const forms = ((x.cdr as Pair).cdr as Pair).cdr;
  return ev.then(expr!, env, (value) => {
    const scope = new Environment(env);
    bindFormals(formals!, valuesOf(value), scope, x);
    return ev.sequence(forms, scope);
  });
}

/** `(let-values (((FORMALS) EXPR) ...) BODY...)`; with `sequential`, each sees the ones before. */
function letValues(x: Pair, env: Environment, ev: Evaluator, sequential: boolean): Datum | TailCall {
  const [specs] = shape(x, 2, Infinity);
  const forms = body((x.cdr as Pair).cdr, x);
  const clauses = listToArrayOrFail(specs!, x).map((clause) => {
    const parts = listToArrayOrFail(clause, x);
    if (parts.length !== 2) throw badSyntax(x);
    return { formals: parts[0]!, expr: parts[1]! };
  });
  const scope = new Environment(env);
  const next = (index: number, inner: Environment): Datum | TailCall => {
    if (index === clauses.length) return ev.sequence(forms, sequential ? new Environment(inner) : scope);
    const { formals, expr } = clauses[index]!;
    return ev.then(expr, sequential ? inner : env, (value) => {
      const target = sequential ? new Environment(inner) : scope;
      bindFormals(formals, valuesOf(value), target, x);
      return next(index + 1, target);
    });
  };
  return next(0, env);
}
