/**
 * Defining macros: `define-syntax`, `let-syntax`, `letrec-syntax` with
 * `syntax-rules`, `define-syntax-rule`, and Guile's non-hygienic
 * `define-macro`. A macro use is expanded once per form (the expansion is
 * kept), as Guile expands a program once before running it.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * import { writeString } from "../printer.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(define-syntax-rule (swap! a b) (let ((tmp a)) (set! a b) (set! b tmp)))");
 * // the macro's own tmp does not capture the user's
 * writeString(scheme.evalString("(let ((tmp 1) (y 2)) (swap! tmp y) (list tmp y))")); // "(2 1)"
 * scheme.evalString("(define-macro (unless* c . body) `(if ,c #f (begin ,@body))) (unless* #f 'ran)"); // { name: "ran" }
 */
import { Environment } from "../environment.ts";
import { SchemeError } from "../errors.ts";
import type { Evaluator } from "../evaluator.ts";
import { identifierName, isIdentifier, isNamed, type Identifier } from "../identifiers.ts";
import { Closure, LocatedPair, Macro, NIL, Pair, SchemeString, SpecialForm, TailCall, UNSPECIFIED, isProcedure, sym, type Datum } from "../values.ts";
import { badSyntax, body, operands, shape } from "./shape.ts";
import { parseSyntaxRules, SyntaxRules, transform } from "./syntax-rules.ts";

const SYNTAX_RULES = sym("syntax-rules");

/** Registers the forms with `define`. */
export function defineMacroForms(define: (name: string, form: SpecialForm) => void): void {
  // The bodies of these are templates, not code: expansion-time checks stay out of them.
  define("syntax-rules", new SpecialForm("syntax-rules", (x, env) => parseSyntaxRules(x, env), true));
  define("define-syntax", new SpecialForm("define-syntax", defineSyntax, true));
  define("define-syntax-rule", new SpecialForm("define-syntax-rule", defineSyntaxRule, true));
  define("define-macro", new SpecialForm("define-macro", defineMacro, true));
  define("let-syntax", new SpecialForm("let-syntax", (x, env, ev) => letSyntax(x, env, ev, false)));
  define("letrec-syntax", new SpecialForm("letrec-syntax", (x, env, ev) => letSyntax(x, env, ev, true)));
}

/** A macro from a `syntax-rules` transformer, expanding each use once. */
function syntaxRulesMacro(name: string, rules: SyntaxRules): Macro {
  const expansions = new WeakMap<Pair, Datum>();
  const expandSyntax = (form: Pair): Datum => {
    let expansion = expansions.get(form);
    if (expansion === undefined) {
      expansion = transform(rules, form);
      expansions.set(form, expansion);
    }
    return expansion;
  };
  return new Macro(name, (form, env) => new TailCall(expandSyntax(form), env), undefined, expandSyntax);
}

/** The macro a transformer expression's value makes, or a clear error for the kinds we do not support. */
function macroOf(name: Identifier, transformer: Datum, x: Pair): Macro {
  if (transformer instanceof SyntaxRules) return syntaxRulesMacro(identifierName(name), transformer);
  if (transformer instanceof Macro) return transformer;
  if (isProcedure(transformer)) {
    throw new SchemeError(
      "unsupported",
      `${identifierName(name)}: procedural macros (syntax-case, er-macro-transformer) are not supported by this evaluator; use syntax-rules`,
      x.span,
    );
  }
  throw badSyntax(x, "a macro needs a syntax-rules transformer");
}

function defineSyntax(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [name, transformer] = shape(x, 2, 2);
  if (!isIdentifier(name!)) throw badSyntax(x);
  return ev.then(transformer!, env, (value) => {
    env.define(name, macroOf(name, value, x));
    return UNSPECIFIED;
  });
}

/** `(define-syntax-rule (NAME . PATTERN) [DOCSTRING] TEMPLATE)`. */
function defineSyntaxRule(x: Pair, env: Environment): Datum {
  const parts = shape(x, 2, 3);
  const pattern = parts[0];
  const template = parts[parts.length - 1]!;
  if (!(pattern instanceof Pair) || !isIdentifier(pattern.car)) throw badSyntax(x);
  if (parts.length === 3 && !(parts[1] instanceof SchemeString)) throw badSyntax(x);
  const rules = new SyntaxRules(sym("..."), [], [{ pattern, template }], env);
  env.define(pattern.car, syntaxRulesMacro(identifierName(pattern.car), rules));
  return UNSPECIFIED;
}

/** `(define-macro (NAME . ARGS) BODY...)` or `(define-macro NAME TRANSFORMER)`: the body computes the expansion. */
function defineMacro(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [target] = shape(x, 2, Infinity);
  const define = (name: Identifier, transformer: Datum) => {
    if (!isProcedure(transformer)) throw badSyntax(x, "define-macro needs a procedure");
    const expansions = new WeakMap<Pair, Datum>();
    const expandSyntax = (form: Pair): Datum => {
      let expansion = expansions.get(form);
      if (expansion === undefined) {
        const made = ev.apply(transformer, operands(form));
        // Located at the use, as Guile locates what a macro returns.
        expansion = made instanceof Pair && !made.span ? new LocatedPair(made.car, made.cdr, form.span) : made;
        expansions.set(form, expansion);
      }
      return expansion;
    };
    env.define(name, new Macro(identifierName(name), (form, useEnv) => new TailCall(expandSyntax(form), useEnv), undefined, expandSyntax));
    return UNSPECIFIED;
  };
  if (target instanceof Pair && isIdentifier(target.car)) {
    const params = target.cdr;
    // The lambda special form itself, whatever the program has bound `lambda` to.
    const lambda = new Pair(ev.global.lookup(sym("lambda"))!, new Pair(params, body((x.cdr as Pair).cdr, x)));
    const closure = ev.evaluate(lambda, env);
    if (closure instanceof Closure) closure.name = identifierName(target.car);
    return define(target.car, closure);
  }
  if (!isIdentifier(target!)) throw badSyntax(x);
  const [, expr] = shape(x, 2, 2);
  return ev.then(expr!, env, (value) => define(target, value));
}

function letSyntax(x: Pair, env: Environment, ev: Evaluator, recursive: boolean): Datum | TailCall {
  const rest = x.cdr;
  if (!(rest instanceof Pair)) throw badSyntax(x);
  const scope = new Environment(env);
  let cursor = rest.car;
  for (; cursor instanceof Pair; cursor = cursor.cdr) {
    const binding = cursor.car;
    const parts = binding instanceof Pair ? [binding.car, binding.cdr instanceof Pair ? binding.cdr.car : undefined] : [];
    const [name, transformer] = parts;
    if (!name || !isIdentifier(name) || transformer === undefined) throw badSyntax(x);
    if (!(transformer instanceof Pair && isNamed(transformer.car, SYNTAX_RULES))) throw badSyntax(x, "let-syntax binds syntax-rules transformers");
    scope.define(name, macroOf(name, parseSyntaxRules(transformer, recursive ? scope : env), x));
  }
  if (cursor !== NIL) throw badSyntax(x);
  return ev.sequence(body(rest.cdr, x), scope);
}
