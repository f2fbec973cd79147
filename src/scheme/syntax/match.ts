/**
 * `(ice-9 match)`: Alex Shinn's pattern matcher as Guile ships it — `match`,
 * `match-lambda`, `match-lambda*`, `match-let`, `match-let*`,
 * `match-letrec` — interpreted directly rather than expanded. Patterns:
 * pattern variables (a repeated one must be `equal?` to its first match),
 * `_`, literals, `'datum`, lists and dotted lists, `...`/`___` (with tail
 * patterns after them) and `..1`, vectors, `(? pred pat ...)`,
 * `(= proc pat)`, `(and ...)`, `(or ...)`, `(not ...)`, and quasi-patterns
 * (with `,pat`; `,@` is a syntax error, as in Guile).
 * A value no clause matches raises Guile's `match-error`.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import type { SchemeError } from "../errors.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(use-modules (ice-9 match))");
 * scheme.evalString("(match '(1 (2 3)) ((a (b c)) (+ a b c)))"); // 6
 * scheme.evalString("(match '(x 1 2 3) (('x nums ...) (apply + nums)))"); // 6
 * scheme.evalString('((match-lambda ((? string? s) s) (_ "other")) 5)'); // { text: "other" }
 * let error: SchemeError | undefined;
 * try {
 *   scheme.evalString("(match 5 ((? string? s) s))");
 * } catch (caught) {
 *   error = caught as SchemeError;
 * }
 * [error?.code, error?.message]; // ["match-error", "no matching pattern for 5"]
 */
import type { BuiltinTable } from "../builtins/registry.ts";
import { Environment } from "../environment.ts";
import { isEqual } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { Renamed, baseSymbol, isIdentifier, isNamed, stripSyntax, type Identifier } from "../identifiers.ts";
import { writeAbbreviated } from "../printer.ts";
import {
  Closure,
  CycleCheck,
  NIL,
  Pair,
  Primitive,
  SpecialForm,
  TailCall,
  UNSPECIFIED,
  arrayToList,
  list,
  listToArray,
  schemeString,
  sym,
  type Datum,
  type Parameters,
} from "../values.ts";
import { badSyntax, body, operands, shape } from "./shape.ts";

const MODULE = "ice-9 match";

const S = {
  wildcard: sym("_"),
  ellipsis: sym("..."),
  ellipsisAlias: sym("___"),
  oneOrMore: sym("..1"),
  quote: sym("quote"),
  quasiquote: sym("quasiquote"),
  unquote: sym("unquote"),
  unquoteSplicing: sym("unquote-splicing"),
  predicate: sym("?"),
  apply: sym("="),
  and: sym("and"),
  or: sym("or"),
  not: sym("not"),
  record: sym("$"),
  setter: sym("set!"),
  getter: sym("get!"),
  search: sym("***"),
  failure: sym("=>"),
};

type Bindings = Map<Identifier, Datum>;

/** Thrown by a clause's `(=> fail)` procedure: go on with the next clause. */
class ClauseFailure {
  constructor(readonly token: object) {}
}

/**
 * Adds the `(ice-9 match)` forms to `table`.
 *
 * @example
 * import { BuiltinTable } from "../builtins/registry.ts";
 * const table = new BuiltinTable();
 * defineMatchModule(table);
 * table.modules.get("ice-9 match")?.has("match"); // true
 */
export function defineMatchModule(table: BuiltinTable): void {
  const match = new SpecialForm("match", matchForm);
  table.bind("match", match, MODULE);
  table.bind("match-lambda", new SpecialForm("match-lambda", (x, env) => matchLambda(x, env, match, false)), MODULE);
  table.bind("match-lambda*", new SpecialForm("match-lambda*", (x, env) => matchLambda(x, env, match, true)), MODULE);
  table.bind("match-let", new SpecialForm("match-let", (x, env, ev) => matchLet(x, env, ev, "parallel")), MODULE);
  table.bind("match-let*", new SpecialForm("match-let*", (x, env, ev) => matchLet(x, env, ev, "sequential")), MODULE);
  table.bind("match-letrec", new SpecialForm("match-letrec", (x, env, ev) => matchLet(x, env, ev, "recursive")), MODULE);
}

/** `(match EXPR CLAUSE ...)`. */
function matchForm(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [subject, ...clauses] = shape(x, 1, Infinity);
  return ev.then(subject!, env, (value) => runClauses(x, clauses, value, env, ev), (x.cdr as Pair).carSpan);
}

/** Tries each `(PATTERN [(=> FAIL)] BODY...)` clause in turn; the body of the first match runs in tail position. */
function runClauses(x: Pair, clauses: readonly Datum[], value: Datum, env: Environment, ev: Evaluator): Datum | TailCall {
  for (const clause of clauses) {
    if (!(clause instanceof Pair)) throw badSyntax(x);
    const bindings: Bindings = new Map();
    if (!new Matcher(env, ev, x).match(clause.car, value, bindings)) continue;
    const scope = new Environment(env);
    for (const [name, bound] of bindings) scope.define(name, bound);
    const rest = clause.cdr;
    if (rest instanceof Pair && rest.car instanceof Pair && isNamed(rest.car.car, S.failure)) {
      const result = withFailure(rest.car, rest.cdr, scope, ev, x);
      if (result instanceof ClauseFailure) continue;
      return result;
    }
    return ev.sequence(body(rest, x), scope);
  }
  throw new SchemeError("match-error", `no matching pattern for ${describe(value)}`, x.span, {
    key: sym("match-error"),
    args: list(schemeString("match"), schemeString("no matching pattern"), value),
  });
}

/** A clause with `(=> FAIL)`: its body runs here so that calling FAIL can go back to the next clause. */
function withFailure(spec: Pair, forms: Datum, scope: Environment, ev: Evaluator, x: Pair): Datum | ClauseFailure {
  const [failName] = shape(spec, 1, 1);
  if (!isIdentifier(failName!)) throw badSyntax(x);
  const token = {};
  scope.define(
    failName,
    new Primitive(baseSymbol(failName).name, 0, 0, () => {
      throw new ClauseFailure(token);
    }),
  );
  try {
    let result: Datum = UNSPECIFIED;
    for (const form of listToArray(body(forms, x)) ?? []) result = ev.evaluate(form, scope);
    return result;
  } catch (error) {
    if (error instanceof ClauseFailure && error.token === token) return error;
    throw error;
  }
}

function describe(value: Datum): string {
  return writeAbbreviated(value);
}

/** `(match-lambda CLAUSE ...)` is `(lambda (x) (match x CLAUSE ...))`; with `*`, `(lambda x ...)`. */
function matchLambda(x: Pair, env: Environment, match: SpecialForm, star: boolean): Closure {
  const argument = new Renamed(sym("arguments"), env);
  const params: Parameters = star
    ? { required: [], optional: [], keys: [], allowOtherKeys: false, rest: argument }
    : { required: [argument], optional: [], keys: [], allowOtherKeys: false, rest: null };
  // The body names the match form itself, so a user's binding of `match` changes nothing.
  const matchCall = new Pair(match, new Pair(argument, x.cdr));
  return new Closure(params, list(new SourcedPair(matchCall, x)), env, null, x.span);
}

/** A synthesized form that reports errors where the form it stands for was written. */
class SourcedPair extends Pair {
  constructor(
    inner: Pair,
    private readonly origin: Pair,
  ) {
    super(inner.car, inner.cdr);
  }
  override get span() {
    return this.origin.span;
  }
}

/** `(match-let ((PATTERN EXPR) ...) BODY...)` and its sequential and recursive forms. */
function matchLet(x: Pair, env: Environment, ev: Evaluator, kind: "parallel" | "sequential" | "recursive"): Datum | TailCall {
  const [specs] = shape(x, 2, Infinity);
  const forms = body((x.cdr as Pair).cdr, x);
  const clauses = (listToArray(specs!) ?? []).map((spec) => {
    const parts = listToArray(spec);
    if (!parts || parts.length !== 2) throw badSyntax(x);
    return { pattern: parts[0]!, expr: parts[1]! };
  });
  const scope = new Environment(env);
  const next = (index: number, current: Environment): Datum | TailCall => {
    if (index === clauses.length) return ev.sequence(forms, kind === "sequential" ? new Environment(current) : scope);
    const { pattern, expr } = clauses[index]!;
    const evalEnv = kind === "parallel" ? env : kind === "recursive" ? scope : current;
    return ev.then(expr, evalEnv, (value) => {
      const bindings: Bindings = new Map();
      if (!new Matcher(evalEnv, ev, x).match(pattern, value, bindings)) {
        throw new SchemeError("match-error", `no matching pattern for ${describe(value)}`, x.span, {
          key: sym("match-error"),
          args: list(schemeString("match"), schemeString("no matching pattern"), value),
        });
      }
      const target = kind === "sequential" ? new Environment(current) : scope;
      for (const [name, bound] of bindings) target.define(name, bound);
      return next(index + 1, target);
    });
  };
  return next(0, env);
}

/** Matches one pattern against one value, collecting bindings; predicates and `=` procedures run in `env`. */
class Matcher {
  constructor(
    private readonly env: Environment,
    private readonly ev: Evaluator,
    private readonly form: Pair,
  ) {}

  match(pattern: Datum, value: Datum, bindings: Bindings): boolean {
    if (isIdentifier(pattern)) return this.variable(pattern, value, bindings);
    if (pattern instanceof Pair) return this.compound(pattern, value, bindings);
    if (Array.isArray(pattern)) return Array.isArray(value) && this.sequence(arrayToList(pattern), arrayToList(value), bindings);
    // (), #t, numbers, strings, characters: compared with equal?.
    return isEqual(pattern, value);
  }

  private variable(id: Identifier, value: Datum, bindings: Bindings): boolean {
    if (isNamed(id, S.wildcard)) return true;
    if (isEllipsisName(id)) throw badSyntax(this.form, "an ellipsis must follow a pattern in a list");
    const previous = bindings.get(id);
    if (previous !== undefined) return isEqual(previous, value);
    bindings.set(id, value);
    return true;
  }

  private compound(pattern: Pair, value: Datum, bindings: Bindings): boolean {
    const head = pattern.car;
    if (isIdentifier(head) && !(pattern.cdr instanceof Pair && isEllipsisName(pattern.cdr.car))) {
      const operator = baseSymbol(head);
      switch (operator) {
        case S.quote:
          return isEqual(stripSyntax(shape(pattern, 1, 1)[0]!), value);
        case S.quasiquote:
          return this.match(quasiPattern(shape(pattern, 1, 1)[0]!, this.form), value, bindings);
        case S.and:
          return operands(pattern).every((p) => this.match(p, value, bindings));
        case S.or:
          return this.or(operands(pattern), value, bindings);
        case S.not:
          return !operands(pattern).some((p) => this.match(p, value, new Map(bindings)));
        case S.predicate: {
          const [predicate, ...rest] = shape(pattern, 1, Infinity);
          if (this.ev.apply(this.ev.evaluate(predicate!, this.env), [value]) === false) return false;
          return rest.every((p) => this.match(p, value, bindings));
        }
        case S.apply: {
          const [procedure, inner] = shape(pattern, 2, 2);
          return this.match(inner!, this.ev.apply(this.ev.evaluate(procedure!, this.env), [value]), bindings);
        }
        case S.record:
        case S.setter:
        case S.getter:
          throw new SchemeError("unsupported", `match: (${operator.name} ...) patterns are not supported by this evaluator`, this.form.span);
      }
    }
    return this.sequence(pattern, value, bindings);
  }

  /** `(or P ...)`: the first alternative that matches binds its variables. */
  private or(alternatives: Datum[], value: Datum, bindings: Bindings): boolean {
    for (const alternative of alternatives) {
      const attempt = new Map(bindings);
      if (this.match(alternative, value, attempt)) {
        for (const [name, bound] of attempt) bindings.set(name, bound);
        return true;
      }
    }
    return false;
  }

  /** A list pattern: elements, at most one ellipsis (with patterns after it), and a dotted tail. */
  private sequence(pattern: Datum, value: Datum, bindings: Bindings): boolean {
    let cursor = pattern;
    let input = value;
    while (cursor instanceof Pair) {
      // A tail that is itself an operator pattern: (a . 'x) is (a quote x), whose tail is the pattern 'x.
      if (cursor !== pattern && isOperatorPattern(cursor)) return this.match(cursor, input, bindings);
      const next = cursor.cdr;
      if (next instanceof Pair && isEllipsisName(next.car)) {
        return this.repeated(cursor.car, isNamed(next.car, S.oneOrMore) ? 1 : 0, next.cdr, input, bindings);
      }
      if (!(input instanceof Pair) || !this.match(cursor.car, input.car, bindings)) return false;
      cursor = next;
      input = input.cdr;
    }
    return this.match(cursor, input, bindings);
  }

  /** `P ... TAIL...`: as many elements as leave enough for the tail patterns, each matching P. */
  private repeated(element: Datum, minimum: number, after: Datum, input: Datum, bindings: Bindings): boolean {
    let tailCount = 0;
    let cursor = after;
    for (; cursor instanceof Pair; cursor = cursor.cdr) tailCount++;
    const items: Datum[] = [];
    let rest = input;
    const check = new CycleCheck(rest);
    for (; rest instanceof Pair; rest = rest.cdr) {
      items.push(rest.car);
      // A circular list matches no list pattern (it is not a list).
      if (!check.fresh(rest.cdr)) return false;
    }
    const count = items.length - tailCount;
    if (count < minimum) return false;
    // A proper-list tail needs a proper list of exactly that many more elements.
    if (cursor === NIL && rest !== NIL) return false;
    const variables = patternVariables(element);
    const collected = new Map<Identifier, Datum[]>(variables.map((v) => [v, []]));
    for (let i = 0; i < count; i++) {
      const one: Bindings = new Map();
      if (!this.match(element, items[i]!, one)) return false;
      for (const v of variables) collected.get(v)!.push(one.get(v) ?? false);
    }
    for (const [v, values] of collected) {
      const list = arrayToList(values);
      const previous = bindings.get(v);
      if (previous !== undefined && !isEqual(previous, list)) return false;
      bindings.set(v, list);
    }
    let remaining: Datum = input;
    for (let i = 0; i < count; i++) remaining = (remaining as Pair).cdr;
    return this.sequence(after, remaining, bindings);
  }
}

const OPERATORS = [S.quote, S.quasiquote, S.predicate, S.apply, S.and, S.or, S.not, S.record, S.setter, S.getter];

/** `(quote ...)`, `(? ...)`, `(and ...)` and the other operator patterns (not an ellipsis list like `(and ...)`). */
function isOperatorPattern(pattern: Pair): boolean {
  if (!isIdentifier(pattern.car) || !OPERATORS.includes(baseSymbol(pattern.car))) return false;
  return !(pattern.cdr instanceof Pair && isEllipsisName(pattern.cdr.car));
}

function isEllipsisName(value: Datum): boolean {
  return isNamed(value, S.ellipsis) || isNamed(value, S.ellipsisAlias) || isNamed(value, S.oneOrMore);
}

/** The variables a pattern binds (for collecting them under an ellipsis). */
function patternVariables(pattern: Datum, found: Identifier[] = []): Identifier[] {
  if (isIdentifier(pattern)) {
    if (!isNamed(pattern, S.wildcard) && !isEllipsisName(pattern) && !found.includes(pattern)) found.push(pattern);
    return found;
  }
  if (Array.isArray(pattern)) {
    for (const item of pattern) patternVariables(item, found);
    return found;
  }
  if (!(pattern instanceof Pair)) return found;
  const head = pattern.car;
  if (isIdentifier(head)) {
    const operator = baseSymbol(head);
    if (operator === S.quote || operator === S.not) return found;
    if (operator === S.predicate || operator === S.apply) {
      for (let c = (pattern.cdr as Pair).cdr; c instanceof Pair; c = c.cdr) patternVariables(c.car, found);
      return found;
    }
    if (operator === S.and || operator === S.or) {
      for (let c = pattern.cdr; c instanceof Pair; c = c.cdr) patternVariables(c.car, found);
      return found;
    }
  }
  let cursor: Datum = pattern;
  for (; cursor instanceof Pair; cursor = cursor.cdr) patternVariables(cursor.car, found);
  return patternVariables(cursor, found);
}

/** A quasi-pattern as an ordinary pattern: symbols quoted, `,P` as P, `,@P` (last) as a dotted tail. */
function quasiPattern(template: Datum, form: Pair): Datum {
  if (isIdentifier(template)) {
    if (isEllipsisName(template)) return template;
    return list(S.quote, baseSymbol(template));
  }
  if (Array.isArray(template)) return template.map((t) => quasiPattern(t, form));
  if (!(template instanceof Pair)) return template;
  if (isNamed(template.car, S.unquote)) return shape(template, 1, 1)[0]!;
  const items: Datum[] = [];
  let cursor: Datum = template;
  for (; cursor instanceof Pair; cursor = cursor.cdr) {
    if (isNamed(cursor.car, S.unquote) && cursor.cdr instanceof Pair && cursor.cdr.cdr === NIL) {
      return arrayToList(items, cursor.cdr.car);
    }
    const item = cursor.car;
    // Guile's matcher has no ,@ in quasi-patterns: it is a syntax error there.
    if (item instanceof Pair && isNamed(item.car, S.unquoteSplicing)) throw badSyntax(form, "unquote-splicing is not a quasi-pattern");
    items.push(quasiPattern(item, form));
  }
  return arrayToList(items, cursor === NIL ? NIL : quasiPattern(cursor, form));
}
