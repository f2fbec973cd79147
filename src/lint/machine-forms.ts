/**
 * Finds the `(build-machine ...)` forms of a file in the read datums, without
 * evaluating anything, and splits each into clauses with the spans of the
 * field name and of the value. The record-syntax and fix rules work on these.
 *
 * @example
 * const forms = findMachineForms(readSource(source));
 * forms[0].clauses[0].field; // "name"
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { Span } from "../../grammar/source.ts";
import { NIL, Pair, Sym, type Datum } from "../scheme/values.ts";

/** One `(FIELD VALUE)` clause. */
export interface MachineClause {
  field: string;
  /** The whole clause, parentheses included. */
  span: Span;
  nameSpan: Span;
  valueSpan: Span;
  value: Datum;
}

/** A clause that is not `(FIELD VALUE)`. */
export interface InvalidClause {
  span: Span;
  datum: Datum;
}

/** A `(build-machine ...)` form as written. */
export interface MachineForm {
  form: Pair;
  span: Span;
  /** The `build-machine` symbol. */
  headSpan: Span;
  /** `(inherit EXPR)` when it is the first clause. */
  inherit: MachineClause | undefined;
  clauses: MachineClause[];
  invalid: InvalidClause[];
  /** True when the form is an improper list. */
  improper: boolean;
}

const BUILD_MACHINE = "build-machine";
const QUOTE = "quote";

/** Every build-machine form in `datums`, in source order (outer before nested). */
export function findMachineForms(datums: readonly ReadDatum[]): MachineForm[] {
  const found: MachineForm[] = [];
  const visit = (datum: Datum, depth: number) => {
    if (!(datum instanceof Pair) || depth > 200) return;
    const head = datum.car;
    if (head instanceof Sym && head.name === QUOTE) return;
    if (head instanceof Sym && head.name === BUILD_MACHINE && datum.span && datum.carSpan) {
      found.push(parseMachineForm(datum, datum.span, datum.carSpan));
    }
    for (let cursor: Datum = datum; cursor instanceof Pair; cursor = cursor.cdr) visit(cursor.car, depth + 1);
  };
  for (const { datum } of datums) visit(datum, 0);
  return found;
}

function parseMachineForm(form: Pair, span: Span, headSpan: Span): MachineForm {
  const clauses: MachineClause[] = [];
  const invalid: InvalidClause[] = [];
  let inherit: MachineClause | undefined;
  let first = true;
  let cursor = form.cdr;
  for (; cursor instanceof Pair; cursor = cursor.cdr) {
    const clause = asClause(cursor.car, cursor.carSpan ?? span);
    if (!clause) invalid.push({ span: cursor.carSpan ?? span, datum: cursor.car });
    else if (first && clause.field === "inherit") inherit = clause;
    else clauses.push(clause);
    first = false;
  }
  return { form, span, headSpan, inherit, clauses, invalid, improper: cursor !== NIL };
}

function asClause(datum: Datum, span: Span): MachineClause | undefined {
  if (!(datum instanceof Pair) || !(datum.car instanceof Sym)) return undefined;
  const rest = datum.cdr;
  if (!(rest instanceof Pair) || rest.cdr !== NIL) return undefined;
  const nameSpan = datum.carSpan ?? span;
  const valueSpan = rest.carSpan ?? span;
  return { field: datum.car.name, span, nameSpan, valueSpan, value: rest.car };
}

/** The last clause for `field` (the one that wins), if any. */
export function clauseFor(form: MachineForm, field: string): MachineClause | undefined {
  for (let i = form.clauses.length - 1; i >= 0; i--) if (form.clauses[i]!.field === field) return form.clauses[i];
  return undefined;
}
