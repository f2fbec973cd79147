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
 * ev.evaluate(readOne("(let loop ((i 0)) (if (< i 10) (loop (+ i 1)) i))"), ev.global); // 10
 */
import type { Span } from "../../grammar/source.ts";
import { Environment } from "./environment.ts";
import type { Host } from "./host.ts";
import { SchemeError } from "./errors.ts";
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
  /** Nested non-tail calls (default 10,000). */
  maxCallDepth?: number;
  /** Wall-clock seconds per load (default 60). */
  maxSeconds?: number;
}

export const DEFAULT_MAX_STEPS = 50_000_000;
export const DEFAULT_MAX_CALL_DEPTH = 10_000;
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
const DEFINE = sym("define");

/** Module lookup for `@`, `use-modules` and `define-module`, supplied by the interpreter. */
export interface ModuleResolver {
  /** Makes a module's exports visible in `env`; throws for unknown modules. */
  import(moduleName: Datum, env: Environment, span: Span | undefined): void;
  /** One exported binding, for `(@ (module) name)`. */
  reference(moduleName: Datum, name: Sym, span: Span | undefined): Datum;
}

export class Evaluator {
  readonly global = new Environment();
  modules: ModuleResolver | undefined;
  host: Host | undefined;
  private steps = 0;
  private depth = 0;
  private deadline = 0;
  private readonly maxSteps: number;
  private readonly maxCallDepth: number;
  private readonly maxSeconds: number;
  /** The innermost located form being evaluated: where errors without a better location point. */
  lastSpan: Span | undefined;

  constructor(limits: EvaluationLimits = {}) {
    this.maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxCallDepth = limits.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH;
    this.maxSeconds = limits.maxSeconds ?? DEFAULT_MAX_SECONDS;
    for (const name of SPECIAL_FORMS) this.global.define(sym(name), new SpecialForm(name));
  }

  /** Starts the limit clocks for a new load or evaluation. */
  resetLimits(): void {
    this.steps = 0;
    this.depth = 0;
    this.deadline = Date.now() + this.maxSeconds * 1000;
  }

  /**
   * Evaluates one top-level form: first the expansion-time checks of any
   * macros in it (as Guile expands a whole form before running it), then the form.
   */
  evaluateTopLevel(form: Datum, env: Environment, span?: Span): Datum {
    this.depth = 0;
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
        "recursion too deep for the evaluator's stack (lower the nesting, or check for unbounded recursion)",
        this.lastSpan,
      );
    }
    if (error instanceof SchemeError && !error.span && !error.location) error.span = this.lastSpan;
    return error;
  }

  /** Calls a procedure from TypeScript (a non-tail call). */
  apply(proc: Datum, args: Datum[]): Datum {
    if (proc instanceof Primitive) return this.callPrimitive(proc, args);
    if (proc instanceof Closure) {
      this.enter();
      const env = bindArguments(proc, args, this);
      const result = this.evaluateBody(proc.body, env);
      this.depth--;
      return result;
    }
    throw new SchemeError("wrong-type-arg", `Wrong type to apply: ${writeString(proc)}`);
  }

  private enter(): void {
    if (++this.depth > this.maxCallDepth) {
      throw new SchemeError(
        "limit-exceeded",
        `calls nested more than ${this.maxCallDepth} deep (unbounded recursion? raise the limit with --max-call-depth)`,
      );
    }
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

  /** Evaluates a body (a list of forms) and returns the last value. */
  evaluateBody(body: Datum, env: Environment): Datum {
    let result: Datum = UNSPECIFIED;
    let cursor = body;
    while (cursor instanceof Pair) {
      result = this.evaluate(cursor.car, env);
      cursor = cursor.cdr;
    }
    return result;
  }

  /** Evaluates `x` in `env`. */
  evaluate(x: Datum, env: Environment): Datum {
    for (;;) {
      this.tick();
      if (x instanceof Sym) return this.lookup(x, env, undefined);
      if (!(x instanceof Pair)) {
        if (x === NIL) throw new SchemeError("syntax-error", "Illegal empty combination ()", this.lastSpan);
        return x;
      }
      if (x.span) this.lastSpan = x.span;
      const head = x.car;
      const op = head instanceof Sym ? this.lookup(head, env, x.carSpan) : this.evaluateOperand(head, env);
      if (op instanceof SpecialForm) {
        const next = this.special(op.name, x, env);
        if (next instanceof TailCall) {
          x = next.expr;
          env = next.env;
          continue;
        }
        return next;
      }
      if (op instanceof Macro) {
        const next = op.expand(x, env, this);
        if (next instanceof TailCall) {
          x = next.expr;
          env = next.env;
          continue;
        }
        return next;
      }
      const args: Datum[] = [];
      let operand = x.cdr;
      while (operand instanceof Pair) {
        args.push(operand.car instanceof Sym ? this.lookup(operand.car, env, operand.carSpan) : this.evaluateOperand(operand.car, env));
        operand = operand.cdr;
      }
      if (op instanceof Closure) {
        env = bindArguments(op, args, this);
        if (!(op.body instanceof Pair)) return UNSPECIFIED;
        let body: Pair = op.body;
        while (body.cdr instanceof Pair) {
          this.evaluateOperand(body.car, env);
          body = body.cdr;
        }
        x = body.car;
        continue;
      }
      if (op instanceof Primitive) {
        const span = x.span;
        try {
          return this.callPrimitive(op, args);
        } catch (error) {
          if (error instanceof SchemeError && !error.span && !error.location && span) error.span = span;
          throw error;
        }
      }
      throw new SchemeError("wrong-type-arg", `Wrong type to apply: ${writeString(op)}`, x.span ?? this.lastSpan);
    }
  }

  /** A non-tail evaluation (counts toward the call depth). */
  private evaluateOperand(x: Datum, env: Environment): Datum {
    if (!(x instanceof Pair)) return x instanceof Sym ? this.lookup(x, env, undefined) : this.evaluate(x, env);
    this.enter();
    const value = this.evaluate(x, env);
    this.depth--;
    return value;
  }

  private lookup(name: Sym, env: Environment, span: Span | undefined): Datum {
    const value = env.lookup(name);
    if (value === undefined) throw unboundVariable(name, env, span ?? this.lastSpan);
    return value;
  }

  /** The special forms. Returns a value, or a TailCall to continue the loop. */
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
        if (this.evaluateOperand(test!, env) !== false) return new TailCall(consequent!, env);
        return alternative === undefined ? UNSPECIFIED : new TailCall(alternative, env);
      }
      case "define":
      case "define-public":
        return this.define(x, env, false);
      case "define*":
        return this.define(x, env, true);
      case "set!": {
        const [target, expr] = this.shape(x, 2, 2);
        if (!(target instanceof Sym)) throw badSyntax(x);
        const value = this.evaluateOperand(expr!, env);
        if (!env.set(target, value)) throw unboundVariable(target, env, x.span);
        return UNSPECIFIED;
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
        return this.cond(x, env);
      case "case":
        return this.caseForm(x, env);
      case "and": {
        let cursor = x.cdr;
        if (cursor === NIL) return true;
        while (cursor instanceof Pair) {
          if (cursor.cdr === NIL) return new TailCall(cursor.car, env);
          if (this.evaluateOperand(cursor.car, env) === false) return false;
          cursor = cursor.cdr;
        }
        throw badSyntax(x);
      }
      case "or": {
        let cursor = x.cdr;
        while (cursor instanceof Pair) {
          if (cursor.cdr === NIL) return new TailCall(cursor.car, env);
          const value = this.evaluateOperand(cursor.car, env);
          if (value !== false) return value;
          cursor = cursor.cdr;
        }
        return false;
      }
      case "when":
      case "unless": {
        const rest = x.cdr;
        if (!(rest instanceof Pair)) throw badSyntax(x);
        const test = this.evaluateOperand(rest.car, env) !== false;
        return test === (name === "when") ? this.tailBody(rest.cdr, env) : UNSPECIFIED;
      }
      case "begin":
        return this.tailBody(x.cdr, env);
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
          `Unbound variable: ${name} (G-expressions such as #~ and #$ belong in a Guix system configuration, not in machines.scm)`,
          x.span,
        );
    }
  }

  private define(x: Pair, env: Environment, star: boolean): Datum {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const target = rest.car;
    if (target instanceof Sym) {
      const exprs = this.rest(x).slice(1);
      if (exprs.length > 1) throw badSyntax(x);
      const value = exprs.length === 0 ? UNSPECIFIED : this.evaluateOperand(exprs[0]!, env);
      if (value instanceof Closure && value.name === null) value.name = target.name;
      env.define(target, value);
      return UNSPECIFIED;
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
    const scope = new Environment(env);
    const values = bindings.map(([, init]) => this.evaluateOperand(init, env));
    bindings.forEach(([name], i) => scope.define(name, values[i]!));
    return this.tailBody(this.body(rest.cdr, x), scope);
  }

  private namedLet(name: Sym, x: Pair, env: Environment): Datum | TailCall {
    const rest = (x.cdr as Pair).cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const bindings = this.bindings(rest.car, x);
    const loopEnv = new Environment(env);
    const params = { required: bindings.map(([n]) => n), optional: [], keys: [], allowOtherKeys: false, rest: null };
    const loop = new Closure(params, this.body(rest.cdr, x), loopEnv, name.name, x.span);
    loopEnv.define(name, loop);
    const args = bindings.map(([, init]) => this.evaluateOperand(init, env));
    const callEnv = bindArguments(loop, args, this);
    return this.tailBody(loop.body, callEnv);
  }

  private letStar(x: Pair, env: Environment): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    let scope = env;
    for (const [name, init] of this.bindings(rest.car, x)) {
      const value = this.evaluateOperand(init, scope);
      scope = new Environment(scope);
      scope.define(name, value);
    }
    return this.tailBody(this.body(rest.cdr, x), new Environment(scope));
  }

  private letrec(x: Pair, env: Environment): Datum | TailCall {
    const rest = x.cdr;
    if (!(rest instanceof Pair)) throw badSyntax(x);
    const scope = new Environment(env);
    for (const [name, init] of this.bindings(rest.car, x)) {
      const value = this.evaluateOperand(init, scope);
      if (value instanceof Closure && value.name === null) value.name = name.name;
      scope.define(name, value);
    }
    return this.tailBody(this.body(rest.cdr, x), scope);
  }

  private cond(x: Pair, env: Environment): Datum | TailCall {
    for (const clause of this.rest(x)) {
      if (!(clause instanceof Pair)) throw badSyntax(x);
      if (clause.car === ELSE) return this.tailBody(clause.cdr, env);
      const test = this.evaluateOperand(clause.car, env);
      if (test === false) continue;
      const body = clause.cdr;
      if (body === NIL) return test;
      if (body instanceof Pair && body.car === ARROW) {
        const receiver = body.cdr instanceof Pair ? this.evaluateOperand(body.cdr.car, env) : undefined;
        if (receiver === undefined) throw badSyntax(x);
        return this.apply(receiver, [test]);
      }
      return this.tailBody(body, env);
    }
    return UNSPECIFIED;
  }

  private caseForm(x: Pair, env: Environment): Datum | TailCall {
    const [keyExpr, ...clauses] = this.rest(x);
    if (keyExpr === undefined) throw badSyntax(x);
    const key = this.evaluateOperand(keyExpr, env);
    for (const clause of clauses) {
      if (!(clause instanceof Pair)) throw badSyntax(x);
      const matches = clause.car === ELSE || (listToArray(clause.car) ?? []).some((d) => eqv(d, key));
      if (!matches) continue;
      const body = clause.cdr;
      if (body instanceof Pair && body.car === ARROW && body.cdr instanceof Pair) {
        return this.apply(this.evaluateOperand(body.cdr.car, env), [key]);
      }
      return this.tailBody(body, env);
    }
    return UNSPECIFIED;
  }

  private doLoop(x: Pair, env: Environment): Datum | TailCall {
    const [specs, exit, ...body] = this.rest(x);
    if (specs === undefined || !(exit instanceof Pair)) throw badSyntax(x);
    const variables = (listToArray(specs) ?? []).map((spec) => {
      const parts = listToArray(spec);
      if (!parts || !(parts[0] instanceof Sym) || parts.length < 2 || parts.length > 3) throw badSyntax(x);
      return { name: parts[0], init: parts[1]!, step: parts[2] };
    });
    let scope = new Environment(env);
    for (const v of variables) scope.define(v.name, this.evaluateOperand(v.init, env));
    for (;;) {
      this.tick();
      if (this.evaluateOperand(exit.car, scope) !== false) return this.tailBody(exit.cdr, scope);
      for (const form of body) this.evaluateOperand(form, scope);
      const next = new Environment(env);
      for (const v of variables) next.define(v.name, v.step === undefined ? scope.lookup(v.name)! : this.evaluateOperand(v.step, scope));
      scope = next;
    }
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

  /** Evaluates a body in tail position: all forms but the last here, the last by the caller. */
  private tailBody(body: Datum, env: Environment): Datum | TailCall {
    if (!(body instanceof Pair)) return UNSPECIFIED;
    let cursor: Pair = body;
    while (cursor.cdr instanceof Pair) {
      this.evaluateOperand(cursor.car, env);
      cursor = cursor.cdr;
    }
    return new TailCall(cursor.car, env);
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

function moduleSpecName(spec: Datum): Datum {
  // (use-modules ((srfi srfi-1) #:select (fold))) names the module first.
  if (spec instanceof Pair && spec.car instanceof Pair) return spec.car;
  return spec;
}

function badSyntax(x: Pair): SchemeError {
  const head = x.car instanceof Sym ? x.car.name : "form";
  return new SchemeError("syntax-error", `${head}: bad syntax in form ${abbreviate(writeString(x))}`, x.span);
}

function abbreviate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function unboundVariable(name: Sym, env: Environment, span: Span | undefined): SchemeError {
  return new SchemeError("unbound-variable", `Unbound variable: ${name.name}${unboundHint(name.name, env)}`, span);
}

function unboundHint(name: string, env: Environment): string {
  if (/^\$\{.*\}$|^\$\(|^<.*>$|^@.*@$/.test(name)) return " (an unrendered template placeholder?)";
  void env;
  if (name === "append-map" || name === "filter-map" || name === "fold" || name === "reduce" || name === "list-tabulate") {
    return ` (it is in (srfi srfi-1): add (use-modules (srfi srfi-1)) or write (@ (srfi srfi-1) ${name}))`;
  }
  if (name === "get-string-all") return " (it is in (ice-9 textual-ports): add (use-modules (ice-9 textual-ports)))";
  if (name === "read-line") return " (it is in (ice-9 rdelim): add (use-modules (ice-9 rdelim)))";
  return "";
}

export { DEFINE };
