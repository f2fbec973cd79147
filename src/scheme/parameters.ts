/**
 * Parameter lists of `lambda` and `lambda*`, and binding arguments to them.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import type { Pair } from "./values.ts";
 * const [read] = readSource(new SourceText("f.scm", "(lambda* (a #:optional (b 2) #:key c . rest) a)"));
 * const form = read!.datum as Pair;
 * parseParameters((form.cdr as Pair).car, true, form);
 * // { required: [{ name: "a" }], optional: [{ name: { name: "b" }, defaultExpr: 2 }],
 * //   keys: [{ name: { name: "c" }, defaultExpr: undefined }], allowOtherKeys: false, rest: { name: "rest" } }
 */
import { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { Evaluator } from "./evaluator.ts";
import { writeString } from "./printer.ts";
import { identifierName, isIdentifier, type Identifier } from "./identifiers.ts";
import { Closure, Keyword, NIL, Pair, arrayToList, type Datum, type OptionalParameter, type Parameters } from "./values.ts";

/**
 * Parses `(a b . rest)`, or with `star` also `#:optional`, `#:key`, `#:rest`, `#:allow-other-keys`.
 *
 * @example
 * import { Keyword, list, sym, type Pair } from "./values.ts";
 * const form = list(sym("lambda*")) as Pair;
 * parseParameters(list(sym("a"), Keyword.intern("optional"), sym("b")), true, form).optional.length; // 1
 * let message = "";
 * try {
 *   parseParameters(list(sym("a"), 1), false, form);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "invalid parameter list (a 1)"
 */
export function parseParameters(spec: Datum, star: boolean, form: Pair): Parameters {
  const params: Parameters = { required: [], optional: [], keys: [], allowOtherKeys: false, rest: null };
  let section: "required" | "optional" | "key" | "rest" = "required";
  let cursor = spec;
  const fail = (): never => {
    throw new SchemeError("syntax-error", `invalid parameter list ${writeString(spec)}`, form.span);
  };
  while (cursor instanceof Pair) {
    const item = cursor.car;
    if (star && item instanceof Keyword) {
      if (item.name === "optional") section = "optional";
      else if (item.name === "key") section = "key";
      else if (item.name === "rest") section = "rest";
      else if (item.name === "allow-other-keys") params.allowOtherKeys = true;
      else fail();
    } else if (section === "rest") {
      if (!isIdentifier(item) || params.rest) fail();
      params.rest = item as Identifier;
    } else if (section === "required") {
      if (!isIdentifier(item)) fail();
      params.required.push(item as Identifier);
    } else {
      const parameter = optionalParameter(item) ?? fail();
      (section === "optional" ? params.optional : params.keys).push(parameter);
    }
    cursor = cursor.cdr;
  }
  if (isIdentifier(cursor)) params.rest = cursor;
  else if (cursor !== NIL) fail();
  return params;
}

function optionalParameter(item: Datum): OptionalParameter | undefined {
  if (isIdentifier(item)) return { name: item, defaultExpr: undefined };
  if (item instanceof Pair && isIdentifier(item.car) && item.cdr instanceof Pair && item.cdr.cdr === NIL) {
    return { name: item.car, defaultExpr: item.cdr.car };
  }
  return undefined;
}

/**
 * A new environment binding the closure's parameters to `args`.
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * import { sym, type Closure } from "./values.ts";
 * const scheme = createInterpreter();
 * const closure = scheme.evalString("(lambda* (a #:optional (b (* a 10))) a)") as Closure;
 * bindArguments(closure, [1, 2], scheme.evaluator).lookup(sym("b")); // 2
 * // a missing optional argument gets its default, evaluated after the ones before it
 * bindArguments(closure, [1], scheme.evaluator).lookup(sym("b")); // 10
 */
export function bindArguments(closure: Closure, args: Datum[], evaluator: Evaluator): Environment {
  const env = new Environment(closure.env);
  const p = closure.params;
  const required = p.required.length;
  if (p.optional.length === 0 && p.keys.length === 0) {
    if (args.length < required || (args.length > required && !p.rest)) throw arityError(closure, args.length);
    for (let i = 0; i < required; i++) env.define(p.required[i]!, args[i]!);
    if (p.rest) env.define(p.rest, arrayToList(args.slice(required)));
    return env;
  }
  if (args.length < required) throw arityError(closure, args.length);
  for (let i = 0; i < required; i++) env.define(p.required[i]!, args[i]!);
  let index = required;
  for (const opt of p.optional) {
    // Defaults are evaluated in order, seeing the parameters bound before them.
    // With keyword parameters, a keyword ends the positional optionals (as in Guile).
    const positional = index < args.length && !(p.keys.length > 0 && args[index] instanceof Keyword);
    const value = positional ? args[index++]! : defaultValue(opt, env, evaluator);
    env.define(opt.name, value);
  }
  const remaining = args.slice(index);
  if (p.keys.length > 0) bindKeywords(closure, remaining, env, evaluator);
  else if (remaining.length > 0 && !p.rest) throw arityError(closure, args.length);
  if (p.rest) env.define(p.rest, arrayToList(remaining));
  return env;
}

function bindKeywords(closure: Closure, remaining: Datum[], env: Environment, evaluator: Evaluator): void {
  const p = closure.params;
  const given = new Map<string, Datum>();
  for (let i = 0; i < remaining.length; i += 2) {
    const key = remaining[i];
    if (!(key instanceof Keyword)) {
      if (p.rest) continue;
      throw new SchemeError("wrong-type-arg", `${closure.name ?? "procedure"}: expected a keyword argument, got ${writeString(key!)}`);
    }
    if (i + 1 >= remaining.length) {
      throw new SchemeError("wrong-type-arg", `${closure.name ?? "procedure"}: keyword argument #:${key.name} has no value`);
    }
    if (!p.keys.some((k) => identifierName(k.name) === key.name) && !p.allowOtherKeys && !p.rest) {
      throw new SchemeError("wrong-type-arg", `${closure.name ?? "procedure"}: unrecognized keyword #:${key.name}`);
    }
    if (!given.has(key.name)) given.set(key.name, remaining[i + 1]!);
  }
  for (const key of p.keys) {
    const name = identifierName(key.name);
    env.define(key.name, given.has(name) ? given.get(name)! : defaultValue(key, env, evaluator));
  }
}

function defaultValue(parameter: OptionalParameter, env: Environment, evaluator: Evaluator): Datum {
  return parameter.defaultExpr === undefined ? false : evaluator.evaluate(parameter.defaultExpr, env);
}

function arityError(closure: Closure, count: number): SchemeError {
  return new SchemeError("wrong-number-of-args", `Wrong number of arguments to ${closure.name ?? "#<procedure>"}: ${count}`);
}
