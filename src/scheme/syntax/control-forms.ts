/**
 * Guile's core conditional and sequencing forms: quote, quasiquote, if,
 * cond, case, and, or, when, unless, begin.
 *
 * @example
 * import { createInterpreter } from "../interpreter.ts";
 * const scheme = createInterpreter();
 * scheme.evalString("(cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 'none))"); // { name: "b" }
 * // case compares with eqv?, so a string datum never matches, as in Guile
 * scheme.evalString(`(case "x86_64" (("x86_64") 'yes) (else 'no))`); // { name: "no" }
 * scheme.evalString("(and 1 2)"); // 2
 */
import { eqv } from "../equality.ts";
import { SchemeError } from "../errors.ts";
import type { Environment } from "../environment.ts";
import type { Evaluator } from "../evaluator.ts";
import { Renamed, isNamed, stripSyntax } from "../identifiers.ts";
import { expandQuasiquote } from "../quasiquote.ts";
import { NIL, Pair, SpecialForm, TailCall, UNSPECIFIED, listToArray, sym, type Datum } from "../values.ts";
import { badSyntax, operands, shape } from "./shape.ts";

const ELSE = sym("else");
const ARROW = sym("=>");

/** Quoted data from a macro template, with its names turned back into symbols (computed once per form). */
const strippedQuotes = new WeakMap<Pair, Datum>();

/** A parsed `case` clause: the data it matches (or else) and its body. */
interface CaseClause {
  data: Datum[] | "else";
  body: Datum;
}
const caseClauses = new WeakMap<Pair, CaseClause[]>();

/**
 * Registers the forms with `define`.
 *
 * @example
 * import type { SpecialForm } from "../values.ts";
 * const forms = new Map<string, SpecialForm>();
 * defineControlForms((name, form) => forms.set(name, form));
 * [...forms.keys()]; // ["quote", "quasiquote", "unquote", "unquote-splicing", "if", "cond", "case", "and", "or", "when", "unless", "begin"]
 */
export function defineControlForms(define: (name: string, form: SpecialForm) => void): void {
  define("quote", new SpecialForm("quote", quote, true));
  define("quasiquote", new SpecialForm("quasiquote", (x, env, ev) => expandQuasiquote(shape(x, 1, 1)[0]!, 1, env, ev, x.span), true));
  for (const name of ["unquote", "unquote-splicing"]) {
    define(
      name,
      new SpecialForm(name, (x) => {
        throw new SchemeError("syntax-error", `${name}: used outside of quasiquote`, x.span);
      }),
    );
  }
  define("if", new SpecialForm("if", ifForm));
  define("cond", new SpecialForm("cond", (x, env, ev) => cond(x, operands(x), 0, env, ev)));
  define("case", new SpecialForm("case", caseForm));
  define("and", new SpecialForm("and", (x, env, ev) => (x.cdr === NIL ? true : andOr(x, x.cdr, env, ev, true))));
  define("or", new SpecialForm("or", (x, env, ev) => (x.cdr === NIL ? false : andOr(x, x.cdr, env, ev, false))));
  for (const name of ["when", "unless"]) {
    define(
      name,
      new SpecialForm(name, (x, env, ev) => {
        const rest = x.cdr;
        if (!(rest instanceof Pair)) throw badSyntax(x);
        return ev.then(rest.car, env, (v) => ((v !== false) === (name === "when") ? ev.sequence(rest.cdr, env) : UNSPECIFIED), rest.carSpan);
      }),
    );
  }
  define("begin", new SpecialForm("begin", (x, env, ev) => ev.sequence(x.cdr, env)));
}

function quote(x: Pair): Datum {
  const [datum] = shape(x, 1, 1);
  // Only a quote a macro wrote can hold macro-introduced names.
  if (!(x.car instanceof Renamed)) return datum!;
  let stripped = strippedQuotes.get(x);
  if (stripped === undefined) {
    stripped = stripSyntax(datum!);
    strippedQuotes.set(x, stripped);
  }
  return stripped;
}

function ifForm(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const [test, consequent, alternative] = shape(x, 2, 3);
  return ev.then(
    test!,
    env,
    (v) => (v !== false ? new TailCall(consequent!, env) : alternative === undefined ? UNSPECIFIED : new TailCall(alternative, env)),
    (x.cdr as Pair).carSpan,
  );
}

function andOr(x: Pair, cursor: Datum, env: Environment, ev: Evaluator, isAnd: boolean): Datum | TailCall {
  if (!(cursor instanceof Pair)) throw badSyntax(x);
  if (cursor.cdr === NIL) return new TailCall(cursor.car, env);
  const rest = cursor.cdr;
  return ev.then(
    cursor.car,
    env,
    (v) => {
      if (isAnd ? v === false : v !== false) return v;
      return andOr(x, rest, env, ev, isAnd);
    },
    cursor.carSpan,
  );
}

function cond(x: Pair, clauses: Datum[], index: number, env: Environment, ev: Evaluator): Datum | TailCall {
  if (index >= clauses.length) return UNSPECIFIED;
  const clause = clauses[index]!;
  if (!(clause instanceof Pair)) throw badSyntax(x);
  if (isNamed(clause.car, ELSE)) return ev.sequence(clause.cdr, env);
  return ev.then(
    clause.car,
    env,
    (test) => {
      if (test === false) return cond(x, clauses, index + 1, env, ev);
      const body = clause.cdr;
      if (body === NIL) return test;
      if (body instanceof Pair && isNamed(body.car, ARROW)) {
        if (!(body.cdr instanceof Pair)) throw badSyntax(x);
        return ev.then(body.cdr.car, env, (receiver) => ev.applyProcedure(receiver, [test], x));
      }
      return ev.sequence(body, env);
    },
    clause.carSpan,
  );
}

function caseForm(x: Pair, env: Environment, ev: Evaluator): Datum | TailCall {
  const clauses = parsedCaseClauses(x);
  const key = (x.cdr as Pair).car;
  return ev.then(
    key,
    env,
    (value) => {
      for (const clause of clauses) {
        if (clause.data !== "else" && !clause.data.some((d) => eqv(d, value))) continue;
        const body = clause.body;
        if (body instanceof Pair && isNamed(body.car, ARROW) && body.cdr instanceof Pair) {
          return ev.then(body.cdr.car, env, (receiver) => ev.applyProcedure(receiver, [value], x));
        }
        return ev.sequence(body, env);
      }
      return UNSPECIFIED;
    },
    (x.cdr as Pair).carSpan,
  );
}

function parsedCaseClauses(x: Pair): CaseClause[] {
  const cached = caseClauses.get(x);
  if (cached) return cached;
  const [keyExpr, ...clauses] = operands(x);
  if (keyExpr === undefined) throw badSyntax(x);
  const parsed = clauses.map((clause): CaseClause => {
    if (!(clause instanceof Pair)) throw badSyntax(x);
    if (isNamed(clause.car, ELSE)) return { data: "else", body: clause.cdr };
    const data = listToArray(stripSyntax(clause.car));
    if (!data) throw badSyntax(x);
    return { data, body: clause.cdr };
  });
  caseClauses.set(x, parsed);
  return parsed;
}
