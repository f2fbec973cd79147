/**
 * The evaluator: a dispatch on the form's head, as in lis.py, with proper tail
 * calls (the loop continues instead of recursing in tail positions), step,
 * depth and time limits, and errors located at the form that failed.
 *
 * Special forms are {@link SpecialForm} values bound in the global environment
 * (the core ones, from syntax/core-forms.ts) or exported by a module (such as
 * `match` from `(ice-9 match)`), so a program may shadow them like any other
 * binding. Macros plug in as {@link Macro} values. A form that is never used
 * costs nothing: the dispatch is one lookup, whatever the number of forms.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import { sym } from "./values.ts";
 * const ev = new Evaluator();
 * const [form] = readSource(new SourceText("t.scm", "(let ((x 1)) (if x 'yes 'no))"));
 * ev.evaluate(form!.datum, ev.global); // { name: "yes" }
 * // no procedures yet: they come from the builtins (see interpreter.ts)
 * ev.global.lookup(sym("car")); // undefined
 */
import type { Span } from "../../grammar/source.ts";
import { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { Host } from "./host.ts";
import { Renamed, identifierName, type Identifier } from "./identifiers.ts";
import { abbreviate } from "./abbreviate.ts";
import { DEFAULT_MAX_CALL_DEPTH, DEFAULT_MAX_MEMORY, DEFAULT_MAX_SECONDS, DEFAULT_MAX_STEPS } from "./limit-defaults.ts";
import { bindArguments } from "./parameters.ts";
import { writeString } from "./printer.ts";
import { defineCoreForms } from "./syntax/core-forms.ts";
import {
  CaseLambda,
  Closure,
  InputPort,
  Macro,
  NIL,
  OutputPort,
  PAIR_BYTES,
  allocation,
  Pair,
  Primitive,
  reserve,
  SchemeString,
  SpecialForm,
  Sym,
  TailCall,
  UNSPECIFIED,
  type Datum,
} from "./values.ts";

/** Estimated bytes a pending call holds (its frame, its arguments, its environment): some 400 measured. */
const FRAME_BYTES = 256;
/** Frames are counted this many at a time, as the continuation grows past each multiple. */
const FRAMES_PER_RESERVE = 4096;
/** A continuation this deep, when memory runs out, is named as the likely cause. */
const DEEP_RECURSION = 10_000;

/** Limits that keep a hostile or buggy file from hanging or crashing us. */
export interface EvaluationLimits {
  /** Evaluation steps per load (default 50 million: enough for 100,000 machines many times over). */
  maxSteps?: number;
  /** Pending non-tail evaluations, i.e. recursion depth (default 1,000,000: Guile-like deep recursion, bounded memory). */
  maxCallDepth?: number;
  /** Wall-clock seconds per load (default 60). */
  maxSeconds?: number;
  /** Bytes of Scheme data the program may hold (default 512 MiB): strings, pairs, vectors, bignums. */
  maxMemory?: number;
}

/** The module system behind `use-modules`, `define-module` and `@`, supplied by the interpreter. */
export interface ModuleSystem {
  /** Imports one `use-modules` spec (`(srfi srfi-1)` or `((srfi srfi-1) #:select ...)`) into `env`'s module. */
  use(spec: Datum, env: Environment, span: Span | undefined, evaluator: Evaluator): void;
  /** A fresh module for `(define-module NAME OPTION...)`; returns its top level. */
  defineModule(name: Datum, options: Datum[], span: Span | undefined, evaluator: Evaluator): Environment;
  /** One binding of a module, for `(@ (module) name)` (exported) and `(@@ (module) name)` (any). */
  reference(moduleName: Datum, name: Identifier, span: Span | undefined, privateAccess: boolean): Datum;
  /** A module we provide that exports `name` (as `srfi srfi-1`), for hints. */
  provider(name: string): string | undefined;
  /**
   * Why `name`, unbound here, is not simply unbound: the Guile module that
   * makes it visible but that we do not implement it (`certain`), or the Guix
   * modules `env`'s module imported whose contents we do not know.
   */
  unimplemented(name: string, env: Environment): { modules: string[]; certain: boolean } | undefined;
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
  modules: ModuleSystem | undefined;
  host: Host | undefined;
  /** The top level of the module forms are evaluated in; `define-module` changes it. */
  topLevel: Environment = this.global;
  /** Where `display`, `write` and `(format #t ...)` print (the program's output, or a string port). */
  currentOutput: OutputPort = new OutputPort(() => {});
  /** What `read` and `read-line` read without a port argument: nothing (standard input is not the program's). */
  currentInput: InputPort = new InputPort("", null);
  /** Handlers of `with-exception-handler` that run where the exception is raised, innermost last. */
  readonly exceptionHandlers: Array<Datum | "unwind"> = [];
  private steps = 0;
  private deadline = 0;
  /** The continuation: pending work, innermost last. Scheme calls never recurse in JS. */
  private readonly stack: Frame[] = [];
  private readonly maxSteps: number;
  private readonly maxCallDepth: number;
  private readonly maxSeconds: number;
  private readonly maxMemory: number;
  /** `allocation.bytes` when the current load started, and the heap then. */
  private memoryBase = 0;
  private heapBase = 0;
  /** The allocation count at which the heap is measured next. */
  private nextMemoryCheck = 0;
  /** The innermost located form being evaluated: where errors without a better location point. */
  lastSpan: Span | undefined;

  constructor(limits: EvaluationLimits = {}) {
    this.maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxCallDepth = limits.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH;
    this.maxSeconds = limits.maxSeconds ?? DEFAULT_MAX_SECONDS;
    this.maxMemory = limits.maxMemory ?? DEFAULT_MAX_MEMORY;
    this.deadline = Date.now() + this.maxSeconds * 1000;
    this.resetMemory();
    defineCoreForms((name, form) => this.global.define(sym(name), form));
  }

  /** Starts the limit clocks for a new load or evaluation. */
  resetLimits(): void {
    this.steps = 0;
    this.deadline = Date.now() + this.maxSeconds * 1000;
    this.resetMemory();
  }

  private resetMemory(): void {
    this.memoryBase = allocation.bytes;
    this.heapBase = process.memoryUsage().heapUsed;
    this.scheduleMemoryCheck(0);
  }

  /** What builtins' reservations call while this evaluator runs (see {@link watchMemory}). */
  private readonly memoryCheck = (pending: number): void => this.checkMemory(pending);

  /**
   * Makes builtins' reservations check this evaluator's limit while it runs;
   * returns what puts the previous watch back. Outside any evaluation (lint's
   * rules, the printer) nothing is checked: the limit is the program's.
   */
  private watchMemory(): () => void {
    const previous = allocation.check;
    const previousNext = allocation.nextCheck;
    allocation.check = this.memoryCheck;
    allocation.nextCheck = this.nextMemoryCheck;
    return () => {
      allocation.check = previous;
      allocation.nextCheck = previous === this.memoryCheck ? this.nextMemoryCheck : previous === undefined ? Infinity : previousNext;
    };
  }

  /**
   * The next heap measurement: after half of what is left under the limit is
   * counted (at least a sixteenth of the limit), so a program that is close
   * is measured often and one that is far is not measured for nothing.
   */
  private scheduleMemoryCheck(held: number): void {
    this.nextMemoryCheck = allocation.bytes + Math.max(this.maxMemory / 16, (this.maxMemory - Math.max(0, held)) / 2);
    if (allocation.check === this.memoryCheck) allocation.nextCheck = this.nextMemoryCheck;
  }

  /** Counts what a builtin returned; past the limit, measures the heap (garbage does not count). */
  private charge(result: Datum): void {
    if (result instanceof SchemeString) allocation.bytes += 2 * result.text.length;
    else if (result instanceof Pair) allocation.bytes += PAIR_BYTES;
    else if (Array.isArray(result)) allocation.bytes += 8 * result.length;
    // Symbols are interned for good: a symbol-append loop is an allocation bomb whose data is never garbage.
    else if (result instanceof Sym) allocation.bytes += 2 * result.name.length;
    else if (typeof result === "bigint" && (result > LARGEST_INTEGER || result < -LARGEST_INTEGER)) {
      // Far beyond any configuration's needs, and each further multiplication gets slower.
      throw new SchemeError("limit-exceeded", "an integer grew past 4,000,000 bits (a runaway computation?)");
    }
    if (allocation.bytes > this.nextMemoryCheck) this.checkMemory(0);
  }

  /** Measures the heap, with `pending` bytes a builtin is about to allocate; throws past --max-memory. */
  private checkMemory(pending: number): void {
    const heapUsed = process.memoryUsage().heapUsed;
    // A heap below where it started means garbage from before this evaluation was collected:
    // that is no credit for the program (it would let a tight limit pass a large allocation).
    if (heapUsed < this.heapBase) this.heapBase = heapUsed;
    const held = heapUsed - this.heapBase;
    if (held + pending > this.maxMemory) {
      const why = this.stack.length >= DEEP_RECURSION ? `${this.stack.length} calls deep: unbounded recursion?` : "an allocation bomb?";
      throw new SchemeError(
        "limit-exceeded",
        `the program holds more than ${memoryLimitText(this.maxMemory)} of data (${why} raise the limit with --max-memory)`,
      );
    }
    // Much of what was counted may have been garbage: look again later.
    this.scheduleMemoryCheck(held);
  }

  /**
   * Evaluates one top-level form: first the expansion-time checks of any
   * macros in it (as Guile expands a whole form before running it), then the form.
   */
  evaluateTopLevel(form: Datum, env: Environment, span?: Span): Datum {
    if (span) this.lastSpan = span;
    try {
      this.checkExpansion(form, env);
      return this.evaluate(form, env, span);
    } catch (error) {
      throw this.locate(error);
    }
  }

  /**
   * Converts JavaScript's resource errors into clean, located `limit-exceeded`
   * errors (a user never sees "Invalid string length"), and fills in missing locations.
   */
  locate(error: unknown): unknown {
    if (error instanceof RangeError) {
      const [, message] = RESOURCE_ERRORS.find(([pattern]) => pattern.test(error.message)) ?? [undefined, `a value grew too large (${error.message})`];
      return new SchemeError("limit-exceeded", message, this.lastSpan);
    }
    if (error instanceof SchemeError && !error.span) error.span = this.lastSpan;
    return error;
  }

  /** Calls a procedure from TypeScript (from a primitive such as `map`). */
  apply(proc: Datum, args: Datum[]): Datum {
    // A closure's body may already have pushed frames (the forms after the first): they belong to this call.
    const base = this.stack.length;
    const unwatch = this.watchMemory();
    try {
      const next = this.applyProcedure(proc, args, undefined);
      return next instanceof TailCall ? this.run(next.expr, next.env, base) : next;
    } finally {
      this.stack.length = base;
      unwatch();
    }
  }

  /**
   * Evaluates `x` in `env`. `span` says where `x` was written: a symbol has
   * no position of its own, so an unbound variable is located there.
   */
  evaluate(x: Datum, env: Environment, span?: Span): Datum {
    if (span && (x instanceof Sym || x instanceof Renamed)) return this.lookup(x, env, span);
    const base = this.stack.length;
    const unwatch = this.watchMemory();
    try {
      return this.run(x, env, base);
    } finally {
      this.stack.length = base;
      unwatch();
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
    if (x instanceof Sym || x instanceof Renamed) return this.lookup(x, env, undefined);
    if (!(x instanceof Pair)) {
      if (x === NIL) throw new SchemeError("syntax-error", "Illegal empty combination ()", this.lastSpan);
      return x;
    }
    const span = x.span;
    if (span) this.lastSpan = span;
    const head = x.car;
    if (head instanceof Sym || head instanceof Renamed) {
      const op = this.lookup(head, env, x.carSpan);
      if (op instanceof SpecialForm) return op.handler(x, env, this);
      if (op instanceof Macro) return op.expand(x, env, this);
      return this.continueCall({ form: x, env, operator: op, args: [], rest: x.cdr });
    }
    // Forms built by the evaluator itself (match-lambda's body) name their special form directly.
    if (head instanceof SpecialForm) return head.handler(x, env, this);
    const state: CallState = { form: x, env, operator: undefined, args: [], rest: x.cdr };
    this.push((op) => {
      state.operator = op;
      return this.continueCall(state);
    });
    return new TailCall(head, env);
  }

  private push(frame: Frame): void {
    if (this.stack.length >= this.maxCallDepth) {
      throw new SchemeError("limit-exceeded", `calls nested more than ${this.maxCallDepth} deep (unbounded recursion? raise the limit with --max-call-depth)`);
    }
    this.stack.push(frame);
    // The continuation is data too (a pending call holds its frame, arguments and environment).
    if ((this.stack.length & (FRAMES_PER_RESERVE - 1)) === 0) reserve(FRAMES_PER_RESERVE * FRAME_BYTES);
  }

  /** Evaluates the remaining operands (simple ones inline), then applies the operator. */
  private continueCall(state: CallState): Datum | TailCall {
    let rest = state.rest;
    while (rest instanceof Pair) {
      const operand = rest.car;
      if (operand instanceof Sym || operand instanceof Renamed) state.args.push(this.lookup(operand, state.env, rest.carSpan));
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
  applyProcedure(op: Datum, args: Datum[], form: Pair | undefined): Datum | TailCall {
    if (op instanceof Closure) return this.sequence(op.body, bindArguments(op, args, this));
    if (op instanceof Primitive) {
      try {
        return this.callPrimitive(op, args);
      } catch (error) {
        if (error instanceof SchemeError) {
          if (!error.span && form?.span) error.span = form.span;
          error.origin ??= op.name;
        }
        throw error;
      }
    }
    if (op instanceof CaseLambda) {
      const clause = op.clauses.find((c) => acceptsCount(c, args.length));
      if (!clause) throw new SchemeError("wrong-number-of-args", `Wrong number of arguments to ${op.name ?? "#<procedure>"}: ${args.length}`);
      return this.sequence(clause.body, bindArguments(clause, args, this));
    }
    throw new SchemeError("wrong-type-arg", `Wrong type to apply: ${writeString(op)}`, form?.span ?? this.lastSpan);
  }

  private tick(): void {
    // Every 4,096 steps, a fraction of a millisecond: a clock read there costs nothing measurable.
    if ((++this.steps & 0xfff) === 0) {
      if (this.steps > this.maxSteps) {
        throw new SchemeError("limit-exceeded", `evaluation took more than ${this.maxSteps} steps (an endless loop? raise the limit with --max-steps)`);
      }
      this.checkTime();
    }
  }

  /**
   * Throws `limit-exceeded` once the load has run past --max-seconds. Steps
   * check it; so does work that takes long in one step, such as reading a
   * file (a file that includes itself reads files in a loop of few steps).
   *
   * @example
   * const ev = new Evaluator({ maxSeconds: 0.001 });
   * const start = Date.now();
   * while (Date.now() - start < 5) {} // let the millisecond pass
   * let code = "";
   * try {
   *   ev.checkTime();
   * } catch (error) {
   *   code = (error as SchemeError).code;
   * }
   * code; // "limit-exceeded"
   */
  checkTime(): void {
    if (Date.now() > this.deadline) {
      throw new SchemeError("limit-exceeded", `evaluation took more than ${this.maxSeconds} seconds (an endless loop? raise the limit with --max-seconds)`);
    }
  }

  private callPrimitive(proc: Primitive, args: Datum[]): Datum {
    if (args.length < proc.minArgs || (proc.maxArgs >= 0 && args.length > proc.maxArgs)) {
      throw new SchemeError("wrong-number-of-args", `Wrong number of arguments to ${proc.name}: ${args.length}`);
    }
    const result = proc.fn(args, this);
    this.charge(result);
    return result;
  }

  /** The value of a variable; an unbound one is an error located at `span` (or the current form). */
  lookup(name: Identifier, env: Environment, span: Span | undefined): Datum {
    const value = env.lookup(name);
    if (value === undefined) throw this.unboundVariable(name, env, span ?? this.lastSpan);
    return value;
  }

  /**
   * The error for an unbound name: `unsupported` when Guile would see a
   * binding we do not implement, else Guile's unbound-variable with a hint.
   */
  unboundVariable(name: Identifier, env: Environment, span: Span | undefined): SchemeError {
    const text = identifierName(name);
    const missing = this.modules?.unimplemented(text, env);
    if (missing?.certain) {
      return new SchemeError("unsupported", `${abbreviate(text)} (from (${missing.modules[0]})) is not implemented by this evaluator`, span);
    }
    if (missing) {
      const modules = missing.modules.map((m) => `(${m})`).join(", ");
      return new SchemeError("unsupported", `${abbreviate(text)} is not bound here; it may come from ${modules}, which this evaluator does not provide`, span);
    }
    const hint = unboundHint(text, this.modules?.provider(text));
    return new SchemeError("unbound-variable", `Unbound variable: ${abbreviate(text)}${hint}`, span);
  }

  /** A body (list of forms): all but the last through frames, the last in tail position. */
  sequence(body: Datum, env: Environment): Datum | TailCall {
    if (!(body instanceof Pair)) return UNSPECIFIED;
    if (body.cdr instanceof Pair) {
      const rest = body.cdr;
      this.push(() => this.sequence(rest, env));
    }
    return new TailCall(body.car, env);
  }

  /** Evaluates `then(value)` after `expr`: a non-tail sub-evaluation without JS recursion. */
  then(expr: Datum, env: Environment, then: Frame, span?: Span): Datum | TailCall {
    if (expr instanceof Sym || expr instanceof Renamed) return then(this.lookup(expr, env, span));
    if (!(expr instanceof Pair)) return then(expr);
    this.push(then);
    return new TailCall(expr, env);
  }

  /** Evaluates every expression in order, then calls `then` with the values. */
  evaluateAll(exprs: readonly Datum[], env: Environment, then: (values: Datum[]) => Datum | TailCall): Datum | TailCall {
    const values: Datum[] = [];
    const next = (index: number): Datum | TailCall => {
      for (let i = index; i < exprs.length; i++) {
        const expr = exprs[i]!;
        if (expr instanceof Pair) {
          return this.then(expr, env, (v) => {
            values.push(v);
            return next(i + 1);
          });
        }
        values.push(expr instanceof Sym || expr instanceof Renamed ? this.lookup(expr, env, undefined) : expr);
      }
      return then(values);
    };
    return next(0);
  }

  /** Runs the expansion-time checks of macros used in `form` (outside quoted data). */
  checkExpansion(form: Datum, env: Environment, depth = 0): void {
    if (!(form instanceof Pair) || depth > 10_000) return;
    const head = form.car;
    if (head instanceof Sym || head instanceof Renamed) {
      const bound = env.lookup(head);
      if (bound instanceof SpecialForm) {
        if (bound.quoting) return;
        if (bound.checkAs) return this.checkExpansion(bound.checkAs(form), env, depth + 1);
      }
      if (bound instanceof Macro) {
        bound.check?.(form, env);
        const expansion = bound.expandSyntax?.(form);
        if (expansion !== undefined) return this.checkExpansion(expansion, env, depth + 1);
      }
    }
    let cursor: Datum = form;
    while (cursor instanceof Pair) {
      this.checkExpansion(cursor.car, env, depth + 1);
      cursor = cursor.cdr;
    }
  }
}

/** The largest exact integer a builtin may return: 2^4,000,000 (half a megabyte). */
const LARGEST_INTEGER = 1n << 4_000_000n;

/** JavaScript's RangeErrors, said as what the program did. */
const RESOURCE_ERRORS: ReadonlyArray<[RegExp, string]> = [
  [/call stack/i, "recursion nested too deep for the evaluator's stack (through procedures such as map, or data nested very deep)"],
  [/string length/i, "a string grew larger than this evaluator can hold"],
  [/BigInt/i, "an integer grew larger than this evaluator can hold"],
  [/array length/i, "a list or vector grew larger than this evaluator can hold"],
];

/** Whether a closure accepts `count` arguments (for picking a case-lambda clause). */
function acceptsCount(closure: Closure, count: number): boolean {
  const p = closure.params;
  if (count < p.required.length) return false;
  return p.rest !== null || p.keys.length > 0 || count <= p.required.length + p.optional.length;
}

/** Guix names whose modules this evaluator does not provide, for hints. */
const GUIX_PROVIDERS: Record<string, string> = {
  gexp: "guix gexp",
  ungexp: "guix gexp",
  "ungexp-splicing": "guix gexp",
  "ungexp-native": "guix gexp",
  "ungexp-native-splicing": "guix gexp",
  "local-file": "guix gexp",
  "plain-file": "guix gexp",
};

/** A hint for an unbound name: where the name is provided, or that it looks like an unfilled template. */
/** The limit as --max-memory takes it (MiB), or in bytes when it is not a whole number of MiB. */
function memoryLimitText(bytes: number): string {
  return bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : `${bytes} bytes`;
}

function unboundHint(name: string, provider: string | undefined): string {
  if (/^\$\{.*\}$|^\$\(|^<.*>$|^@.*@$/.test(name)) return " (an unrendered template placeholder?)";
  if (provider !== undefined) return ` (it is in (${provider}): add (use-modules (${provider})) or write (@ (${provider}) ${name}))`;
  const guix = GUIX_PROVIDERS[name];
  if (guix !== undefined) {
    return ` (it is in (${guix}), for Guix system configurations; G-expressions such as #~ and #$ are not available here)`;
  }
  return "";
}

function sym(name: string): Sym {
  return Sym.intern(name);
}
