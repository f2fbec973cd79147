/**
 * The evaluator: a dispatch on the form's head, as in lis.py, with proper tail
 * calls (the loop continues instead of recursing in tail positions), step,
 * depth and time limits, and errors located at the form that failed.
 *
 * Special forms are {@link SpecialForm} values bound in the global environment,
 * so a program may shadow them like any other binding. Record constructors and
 * other syntax defined outside plug in as {@link Macro} values.
 *
 * @example
 * const ev = new Evaluator();
 * const [form] = readSource(new SourceText("t.scm", "(let ((x 1)) (if x 'yes 'no))"));
 * ev.evaluate(form.datum, ev.global); // the symbol yes (procedures come from the builtins; see interpreter.ts)
 */
import type { Span } from "../../grammar/source.ts";
import { Environment } from "./environment.ts";
import type { Host } from "./host.ts";
import { SchemeError } from "./errors.ts";
import { abbreviate } from "./abbreviate.ts";
import { writeString } from "./printer.ts";
import { eqv } from "./equality.ts";
import { expandQuasiquote } from "./quasiquote.ts";
import { bindArguments, parseParameters } from "./parameters.ts";
import {
  Closure,
  Keyword,
  Macro,
  NIL,
  Pair,
  Primitive,
  SpecialForm,
  Sym,
  TailCall,
  UNSPECIFIED,
  listToArray,
  sym,
  type Datum,
} from "./values.ts";

/** Limits that keep a hostile or buggy file from hanging or crashing us. */
export interface EvaluationLimits {
  /** Evaluation steps per load (default 50 million: enough for 100,000 machines many times over). */
  maxSteps?: number;
  /** Pending non-tail evaluations, i.e. recursion depth (default 1,000,000: Guile-like deep recursion, bounded memory). */
  maxCallDepth?: number;
  /** Wall-clock seconds per load (default 60). */
  maxSeconds?: number;
}

export const DEFAULT_MAX_STEPS = 50_000_000;
export const DEFAULT_MAX_CALL_DEPTH = 1_000_000;
export const DEFAULT_MAX_SECONDS = 60;

/** The names of the special forms the evaluator implements. */
export const SPECIAL_FORMS = [
  "quote",
  "quasiquote",
  "unquote",
  "unquote-splicing",
  "if",
  "define",
  "define*",
  "define-public",
  "set!",
  "lambda",
  "lambda*",
  "let",
  "let*",
  "letrec",
  "letrec*",
  "cond",
  "case",
  "and",
  "or",
  "when",
  "unless",
  "begin",
  "do",
  "define-module",
  "use-modules",
  "@",
  "@@",
  "gexp",
  "ungexp",
  "ungexp-splicing",
  "ungexp-native",
  "ungexp-native-splicing",
] as const;

const ELSE = sym("else");
const ARROW = sym("=>");

/** Module lookup for `@`, `use-modules` and `define-module`, supplied by the interpreter. */
export interface ModuleResolver {
  /** Makes a module's exports visible in `env`; throws for unknown modules. */
  import(moduleName: Datum, env: Environment, span: Span | undefined): void;
  /** One exported binding, for `(@ (module) name)`. */
  reference(moduleName: Datum, name: Sym, span: Span | undefined): Datum;
  /** The module (other than the default one) that provides `name`, as `srfi srfi-1`, if any. */
  provider(name: string): string | undefined;
}

/** What a continuation frame does with the value it receives. */
type Frame = (value: Datum) => Datum | TailCall;

/** A procedure call in progress: operator, operands left to evaluate, values so far. */
interface CallState {
  form: Pair;
  env: Environment;
  operator: Datum | undefined;
  args: Datum[];
  rest: Datum;
}

export class Evaluator {
  readonly global = new Environment();
  modules: ModuleResolver | undefined;
  host: Host | undefined;
  private steps = 0;
  private deadline = 0;
  /** The continuation: pending work, innermost last. Scheme calls never recurse in JS. */
  private readonly stack: Frame[] = [];
  private readonly maxSteps: number;
  private readonly maxCallDepth: number;
  private readonly maxSeconds: number;
  /** The innermost located form being evaluated: where errors without a better location point. */
  lastSpan: Span | undefined;

  constructor(limits: EvaluationLimits = {}) {
    this.maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxCallDepth = limits.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH;
    this.maxSeconds = limits.maxSeconds ?? DEFAULT_MAX_SECONDS;
    this.deadline = Date.now() + this.maxSeconds * 1000;
    for (const name of SPECIAL_FORMS) this.global.define(sym(name), new SpecialForm(name));
  }

  /** Starts the limit clocks for a new load or evaluation. */
  resetLimits(): void {
    this.steps = 0;
    this.deadline = Date.now() + this.maxSeconds * 1000;
  }

  /**
   * Evaluates one top-level form: first the expansion-time checks of any
   * macros in it (as Guile expands a whole form before running it), then the form.
   */
  evaluateTopLevel(form: Datum, env: Environment, span?: Span): Datum {
    if (span) this.lastSpan = span;
    try {
      this.checkExpansion(form, env);
      return this.evaluate(form, env);
    } catch (error) {
      throw this.locate(error);
    }
  }

  /** Converts stack exhaustion into a clean error and fills in missing locations. */
  locate(error: unknown): unknown {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return new SchemeError(
        "limit-exceeded",
        "recursion through procedures such as map nested too deep for the evaluator's stack",
        this.lastSpan,
      );
    }
    if (error instanceof SchemeError && !error.span && !error.location) error.span = this.lastSpan;
    return error;
  }

  /** Calls a procedure from TypeScript (from a primitive such as `map`). */
  apply(proc: Datum, args: Datum[]): Datum {
    const next = this.applyProcedure(proc, args, undefined);
    return next instanceof TailCall ? this.evaluate(next.expr, next.env) : next;
  }

  /**
   * Evaluates `x` in `env`. `span` says where `x` was written: a symbol has
   * no position of its own, so an unbound variable is located there.
   */
  evaluate(x: Datum, env: Environment, span?: Span): Datum {
    if (span && x instanceof Sym) return this.lookup(x, env, span);
    const base = this.stack.length;
    try {
      return this.run(x, env, base);
    } finally {
      this.stack.length = base;
    }
  }

  /** The machine: evaluate expressions, pass values to frames, until the stack is back at `base`. */
  private run(expr: Datum, environment: Environment, base: number): Datum {
    let x = expr;
    let env = environment;
    let value: Datum;
    for (;;) {
      value = this.step(x, env) as Datum;
      // step returns a TailCall whenever more evaluation is needed.
      while (!(value instanceof TailCall)) {
        if (this.stack.length === base) return value;
        value = this.stack.pop()!(value) as Datum;
      }
      x = (value as TailCall).expr;
      env = (value as TailCall).env;
    }
  }

  /** One evaluation step: a value, or a TailCall saying what to evaluate next. */
  private step(x: Datum, env: Environment): Datum | TailCall {
    this.tick();
    if (x instanceof Sym) return this.lookup(x, env, undefined);
    if (!(x instanceof Pair)) {
      if (x === NIL) throw new SchemeError("syntax-error", "Illegal empty combination ()", this.lastSpan);
      return x;
    }
    const span = x.span;
    if (span) this.lastSpan = span;
    const head = x.car;
    if (head instanceof Sym) {
      const op = this.lookup(head, env, x.carSpan);
      if (op instanceof SpecialForm) return this.special(op.name, x, env);
      if (op instanceof Macro) return op.expand(x, env, this);
      return this.continueCall({ form: x, env, operator: op, args: [], rest: x.cdr });
    }
    const state: CallState = { form: x, env, operator: undefined, args: [], rest: x.cdr };
    this.push((op) => {
      state.operator = op;
      return this.continueCall(state);
    });
    return new TailCall(head, env);
  }

  private push(frame: Frame): void {
    if (this.stack.length >= this.maxCallDepth) {
      throw new SchemeError(
        "limit-exceeded",
        `calls nested more than ${this.maxCallDepth} deep (unbounded recursion? raise the limit with --max-call-depth)`,
      );
    }
    this.stack.push(frame);
  }

  /** Evaluates the remaining operands (simple ones inline), then applies the operator. */
  private continueCall(state: CallState): Datum | TailCall {
    let rest = state.rest;
    while (rest instanceof Pair) {
      const operand = rest.car;
      if (operand instanceof Sym) state.args.push(this.lookup(operand, state.env, rest.carSpan));
      else if (!(operand instanceof Pair)) state.args.push(operand);
      else {
        state.rest = rest.cdr;
        this.push((v) => {
          state.args.push(v);
          return this.continueCall(state);
        });
        return new TailCall(operand, state.env);
      }
      rest = rest.cdr;
    }
    state.rest = NIL;
    return this.applyProcedure(state.operator!, state.args, state.form);
  }

  /** Applies a procedure in tail position: a closure's body continues the machine. */
  private applyProcedure(op: Datum, args: Datum[], form: Pair | undefined): Datum | TailCall {
    if (op instanceof Closure) return this.sequence(op.body, bindArguments(op, args, this));
    if (op instanceof Primitive) {
      try {
        return this.callPrimitive(op, args);
      } catch (error) {
        if (error instanceof SchemeError && !error.span && !error.location && form?.span) error.span = form.span;
        throw error;
      }
    }
    throw new SchemeError("wrong-type-arg", `Wrong type to apply: ${writeString(op)}`, form?.span ?? this.lastSpan);
  }

  private tick(): void {
    if ((++this.steps & 0xffff) === 0) {
      if (this.steps > this.maxSteps) {
        throw new SchemeError(
          "limit-exceeded",
          `evaluation took more than ${this.maxSteps} steps (an endless loop? raise the limit with --max-steps)`,
        );
      }
      if (Date.now() > this.deadline) {
        throw new SchemeError(
          "limit-exceeded",
          `evaluation took more than ${this.maxSeconds} seconds (an endless loop? raise the limit with --max-seconds)`,
        );
      }
    }
  }

  private callPrimitive(proc: Primitive, args: Datum[]): Datum {
    if (args.length < proc.minArgs || (proc.maxArgs >= 0 && args.length > proc.maxArgs)) {
      throw new SchemeError("wrong-number-of-args", `Wrong number of arguments to ${proc.name}: ${args.length}`);
    }
    return proc.fn(args, this);
  }

  private unboundVariable(name: Sym, span: Span | undefined): SchemeError {
    const hint = unboundHint(name.name, this.modules?.provider(name.name));
    return new SchemeError("unbound-variable", `Unbound variable: ${name.name}${hint}`, span);
  }

  private lookup(name: Sym, env: Environment, span: Span | undefined): Datum {
    const value = env.lookup(name);
    if (value === undefined) throw this.unboundVariable(name, span ?? this.lastSpan);
    return value;
  }

  /** A body (list of forms): all but the last through frames, the last in tail position. */
  private sequence(body: Datum, env: Environment): Datum | TailCall {
    if (!(body instanceof Pair)) return UNSPECIFIED;
    if (body.cdr instanceof Pair) {
      const rest = body.cdr;
      this.push(() => this.sequence(rest, env));
    }
    return new TailCall(body.car, env);
  }

  /** Evaluates `then(value)` after `expr`: a non-tail sub-evaluation without JS recursion. */
  private after(expr: Datum, env: Environment, then: Frame): Datum | TailCall {
    if (expr instanceof Sym) return then(this.lookup(expr, env, undefined));
    if (!(expr instanceof Pair)) return then(expr);
    this.push(then);
    return new TailCall(expr, env);
  }

  /** Evaluates every expression in order, then calls `then` with the values. */
  private evaluateAll(exprs: Datum[], env: Environment, then: (values: Datum[]) => Datum | TailCall): Datum | TailCall {
    const values: Datum[] = [];
    const next = (index: number): Datum | TailCall => {
      for (let i = index; i < exprs.length; i++) {
        const expr = exprs[i]!;
        if (expr instanceof Pair) {
          return this.after(expr, env, (v) => {
            values.push(v);
            return next(i + 1);
          });
        }
        values.push(expr instanceof Sym ? this.lookup(expr, env, undefined) : expr);
      }
      return then(values);
    };
    return next(0);
  }

  /** The special forms. Returns a value, or a TailCall to continue the machine. */
  private special(name: string, x: Pair, env: Environment): Datum | TailCall {
    switch (name) {
      case "quote": {
        const [datum] = this.shape(x, 1, 1);
        return datum!;
      }
      case "quasiquote": {
        const [template] = this.shape(x, 1, 1);
        return expandQuasiquote(template!, 1, env, this, x.span);
      }
      case "unquote":
      case "unquote-splicing":
        throw new SchemeError("syntax-error", `${name}: used outside of quasiquote`, x.span);
      case "if": {
        const [test, consequent, alternative] = this.shape(x, 2, 3);
        return this.after(test!, env, (v) =>
          v !== false ? new TailCall(consequent!, env) : alternative === undefined ? UNSPECIFIED : new TailCall(alternative, env),
        );
      }
      case "define":
      case "define-public":
        return this.define(x, env, false);
      case "define*":
        return this.define(x, env, true);
      case "set!": {
        const [target, expr] = this.shape(x, 2, 2);
        if (!(target instanceof Sym)) throw badSyntax(x);
        return this.after(expr!, env, (value) => {
          if (!env.set(target, value)) throw this.unboundVariable(target, x.span);
          return UNSPECIFIED;
        });
      }
      case "lambda":
      case "lambda*": {
        const rest = x.cdr;
        if (!(rest instanceof Pair)) throw badSyntax(x);
        return new Closure(parseParameters(rest.car, name === "lambda*", x), this.body(rest.cdr, x), env, null, x.span);
      }
      case "let":
        return this.let(x, env);
      case "let*":
        return this.letStar(x, env);
      case "letrec":
      case "letrec*":
        return this.letrec(x, env);
      case "cond":
        return this.cond(x, this.rest(x), 0, env);
      case "case":
        return this.caseForm(x, env);
      case "and":
        return x.cdr === NIL ? true : this.andOr(x, x.cdr, env, true);
      case "or":
        return x.cdr === NIL ? false : this.andOr(x, x.cdr, env, false);
      case "when":
      case "unless": {
        const rest = x.cdr;
        if (!(rest instanceof Pair)) throw badSyntax(x);
        return this.after(rest.car, env, (v) => ((v !== false) === (name === "when") ? this.sequence(rest.cdr, env) : UNSPECIFIED));
      }
      case "begin":
        return this.sequence(x.cdr, env);
      case "do":
        return this.doLoop(x, env);
      case "define-module": {
        this.importModuleOptions(x, env);
        return UNSPECIFIED;
      }
      case "use-modules": {
        for (const spec of this.rest(x)) this.modules?.import(moduleSpecName(spec), env, x.span);
        return UNSPECIFIED;
      }
      case "@":
      case "@@": {
        const [moduleName, binding] = this.shape(x, 2, 2);
        if (!(binding instanceof Sym) || !this.modules) throw badSyntax(x);
        return this.modules.reference(moduleName!, binding, x.span);
      }
      default:
        throw new SchemeError(
          "unbound-variable",
          `Unbound variable: ${name} (G-expressions such as #~ and #$ come from (guix gexp), for Guix system configurations; this evaluator does not provide them)`,
          x.span,
        );
    }
  }

  private andOr(x: Pair, cursor: Datum, env: Environment, isAnd: boolean): Datum | TailCall {
    if (!(cursor instanceof Pair)) throw badSyntax(x);
    if (cursor.cdr === NIL) return new TailCall(cursor.car, env);
    const rest = cursor.cdr;
    return this.after(cursor.car, env, (v) => {
      if (isAnd ? v === false : v !== false) return v;
      return this.andOr(x, rest, env, isAnd);
    });
  }

  private define(x: Pair, env: Environment, star: boolean): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const target = rest.car;
    if (target instanceof Sym) {
      const exprs = this.rest(x).slice(1);
      if (exprs.length > 1) throw badSyntax(x);
      const bind = (value: Datum) => {
        if (value instanceof Closure && value.name === null) value.name = target.name;
        env.define(target, value);
        return UNSPECIFIED;
      };
      return exprs.length === 0 ? bind(UNSPECIFIED) : this.after(exprs[0]!, env, bind);
    }
    if (target instanceof Pair && target.car instanceof Sym) {
      const closure = new Closure(parseParameters(target.cdr, star, x), this.body(rest.cdr, x), env, target.car.name, x.span);
      env.define(target.car, closure);
      return UNSPECIFIED;
    }
    throw badSyntax(x);
  }

  private let(x: Pair, env: Environment): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    if (rest.car instanceof Sym) return this.namedLet(rest.car, x, env);
    const bindings = this.bindings(rest.car, x);
    const body = this.body(rest.cdr, x);
    return this.evaluateAll(
      bindings.map(([, init]) => init),
      env,
      (values) => {
        const scope = new Environment(env);
        bindings.forEach(([name], i) => scope.define(name, values[i]!));
        return this.sequence(body, scope);
      },
    );
  }

  private namedLet(name: Sym, x: Pair, env: Environment): Datum | TailCall {
    const rest = (x.cdr as Pair).cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const bindings = this.bindings(rest.car, x);
    const loopEnv = new Environment(env);
    const params = { required: bindings.map(([n]) => n), optional: [], keys: [], allowOtherKeys: false, rest: null };
    const loop = new Closure(params, this.body(rest.cdr, x), loopEnv, name.name, x.span);
    loopEnv.define(name, loop);
    return this.evaluateAll(
      bindings.map(([, init]) => init),
      env,
      (values) => this.sequence(loop.body, bindArguments(loop, values, this)),
    );
  }

  private letStar(x: Pair, env: Environment): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const bindings = this.bindings(rest.car, x);
    const body = this.body(rest.cdr, x);
    const next = (index: number, scope: Environment): Datum | TailCall => {
      if (index === bindings.length) return this.sequence(body, new Environment(scope));
      const [name, init] = bindings[index]!;
      return this.after(init, scope, (value) => {
        const inner = new Environment(scope);
        inner.define(name, value);
        return next(index + 1, inner);
      });
    };
    return next(0, env);
  }

  private letrec(x: Pair, env: Environment): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const bindings = this.bindings(rest.car, x);
    const body = this.body(rest.cdr, x);
    const scope = new Environment(env);
    const next = (index: number): Datum | TailCall => {
      if (index === bindings.length) return this.sequence(body, scope);
      const [name, init] = bindings[index]!;
      return this.after(init, scope, (value) => {
        if (value instanceof Closure && value.name === null) value.name = name.name;
        scope.define(name, value);
        return next(index + 1);
      });
    };
    return next(0);
  }

  private cond(x: Pair, clauses: Datum[], index: number, env: Environment): Datum | TailCall {
    if (index >= clauses.length) return UNSPECIFIED;
    const clause = clauses[index]!;
    if (!(clause instanceof Pair)) throw badSyntax(x);
    if (clause.car === ELSE) return this.sequence(clause.cdr, env);
    return this.after(clause.car, env, (test) => {
      if (test === false) return this.cond(x, clauses, index + 1, env);
      const body = clause.cdr;
      if (body === NIL) return test;
      if (body instanceof Pair && body.car === ARROW) {
        if (!(body.cdr instanceof Pair)) throw badSyntax(x);
        return this.after(body.cdr.car, env, (receiver) => this.applyProcedure(receiver, [test], x));
      }
      return this.sequence(body, env);
    });
  }

  private caseForm(x: Pair, env: Environment): Datum | TailCall {
    const [keyExpr, ...clauses] = this.rest(x);
    if (keyExpr === undefined) throw badSyntax(x);
    return this.after(keyExpr, env, (key) => {
      for (const clause of clauses) {
        if (!(clause instanceof Pair)) throw badSyntax(x);
        const matches = clause.car === ELSE || (listToArray(clause.car) ?? []).some((d) => eqv(d, key));
        if (!matches) continue;
        const body = clause.cdr;
        if (body instanceof Pair && body.car === ARROW && body.cdr instanceof Pair) {
          return this.after(body.cdr.car, env, (receiver) => this.applyProcedure(receiver, [key], x));
        }
        return this.sequence(body, env);
      }
      return UNSPECIFIED;
    });
  }

  private doLoop(x: Pair, env: Environment): Datum | TailCall {
    const [specs, exit, ...body] = this.rest(x);
    if (specs === undefined || !(exit instanceof Pair)) throw badSyntax(x);
    const variables = (listToArray(specs) ?? []).map((spec) => {
      const parts = listToArray(spec);
      if (!parts || !(parts[0] instanceof Sym) || parts.length < 2 || parts.length > 3) throw badSyntax(x);
      return { name: parts[0], init: parts[1]!, step: parts[2] ?? parts[0] };
    });
    const iterate = (scope: Environment): Datum | TailCall =>
      this.after(exit.car, scope, (done) => {
        if (done !== false) return this.sequence(exit.cdr, scope);
        const runBody = (index: number): Datum | TailCall => {
          if (index === body.length) {
            return this.evaluateAll(
              variables.map((v) => v.step),
              scope,
              (values) => iterate(bindAll(env, variables, values)),
            );
          }
          return this.after(body[index]!, scope, () => runBody(index + 1));
        };
        return runBody(0);
      });
    return this.evaluateAll(
      variables.map((v) => v.init),
      env,
      (values) => iterate(bindAll(env, variables, values)),
    );
  }

  private importModuleOptions(x: Pair, env: Environment): void {
    const parts = this.rest(x);
    for (let i = 1; i < parts.length; i++) {
      const option = parts[i];
      if (option instanceof Keyword && (option.name === "use-module" || option.name === "autoload") && i + 1 < parts.length) {
        this.modules?.import(moduleSpecName(parts[i + 1]!), env, x.span);
        i++;
      } else if (option instanceof Keyword) i++;
    }
  }

  private body(body: Datum, form: Pair): Datum {
    if (!(body instanceof Pair)) throw badSyntax(form);
    return body;
  }

  private bindings(list: Datum, form: Pair): Array<[Sym, Datum]> {
    const items = listToArray(list);
    if (!items) throw badSyntax(form);
    return items.map((binding) => {
      const parts = listToArray(binding);
      if (!parts || parts.length !== 2 || !(parts[0] instanceof Sym)) throw badSyntax(form);
      return [parts[0], parts[1]!];
    });
  }

  private rest(x: Pair): Datum[] {
    const items = listToArray(x.cdr);
    if (!items) throw badSyntax(x);
    return items;
  }

  private shape(x: Pair, min: number, max: number): Datum[] {
    const items = this.rest(x);
    if (items.length < min || items.length > max) throw badSyntax(x);
    return items;
  }

  /** Runs the expansion-time checks of macros used in `form` (outside quoted data). */
  checkExpansion(form: Datum, env: Environment): void {
    if (!(form instanceof Pair)) return;
    const head = form.car;
    if (head instanceof Sym) {
      const bound = env.lookup(head);
      if (bound instanceof SpecialForm && (bound.name === "quote" || bound.name === "quasiquote")) return;
      if (bound instanceof Macro && bound.check) bound.check(form);
    }
    let cursor: Datum = form;
    while (cursor instanceof Pair) {
      this.checkExpansion(cursor.car, env);
      cursor = cursor.cdr;
    }
  }
}

function bindAll(env: Environment, variables: Array<{ name: Sym }>, values: Datum[]): Environment {
  const scope = new Environment(env);
  variables.forEach((v, i) => scope.define(v.name, values[i]!));
  return scope;
}

function moduleSpecName(spec: Datum): Datum {
  // (use-modules ((srfi srfi-1) #:select (fold))) names the module first.
  if (spec instanceof Pair && spec.car instanceof Pair) return spec.car;
  return spec;
}

function badSyntax(x: Pair): SchemeError {
  const head = x.car instanceof Sym ? x.car.name : "form";
  return new SchemeError("syntax-error", `${head}: bad syntax in form ${abbreviate(writeString(x))}`, x.span);
}

/** A hint for an unbound name: where the name is provided, or that it looks like an unfilled template. */
function unboundHint(name: string, provider: string | undefined): string {
  if (/^\$\{.*\}$|^\$\(|^<.*>$|^@.*@$/.test(name)) return " (an unrendered template placeholder?)";
  if (provider === undefined) return "";
  return ` (it is in (${provider}): add (use-modules (${provider})) or write (@ (${provider}) ${name}))`;
}
