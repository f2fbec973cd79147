/**
 * Finds the `(build-machine ...)` forms of a file in the read datums, without
 * evaluating anything, and splits each into clauses with the spans of the
 * field name and of the value. The splitting and the record errors are the
 * evaluator's own ({@link parseConstructorForm}): lint reports every
 * violation where the evaluator raises the first, so the two never disagree
 * on what Guix accepts.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const [form] = findMachineForms(readSource(new SourceText("m.scm", '(list (build-machine (name "a") (sytems (list "x86_64-linux"))))')));
 * form.clauses.map((clause) => [clause.field, clause.valueSpan.text()]); // [["name", '"a"'], ["sytems", '(list "x86_64-linux")']]
 * form.violations.map((violation) => violation.code); // ["extraneous-field-initializers", "missing-field-initializers"]
 */
import type { ReadDatum } from "../../grammar/reader.ts";
import type { Span } from "../../grammar/source.ts";
import { buildMachineFields } from "../machines/build-machine.ts";
import { parseConstructorForm, type RecordClause, type RecordViolation } from "../scheme/records.ts";
import { Pair, Sym, type Datum } from "../scheme/values.ts";

/** One `(FIELD VALUE)` clause, every part located. */
export interface MachineClause {
  field: string;
  /** The whole clause, parentheses included. */
  span: Span;
  nameSpan: Span;
  valueSpan: Span;
  value: Datum;
}

/** A `(build-machine ...)` form as written. */
export interface MachineForm {
  form: Pair;
  span: Span;
  /** The `build-machine` symbol. */
  headSpan: Span;
  /** `(inherit EXPR)` when it is the first clause. */
  inherit: MachineClause | undefined;
  /** The other well-formed clauses, in order. */
  clauses: MachineClause[];
  /** Everything Guix's record constructor refuses in the form, in its order of checks. */
  violations: RecordViolation[];
}

const BUILD_MACHINE = { fields: buildMachineFields({ env: {} }) };
/**
 * Forms whose insides are data or macro templates, not code: a build-machine
 * written there is only a pattern (`body ...` is not a clause); the
 * evaluator checks what the macro expands to.
 */
const NOT_CODE = new Set(["quote", "syntax-rules", "define-syntax-rule", "syntax-case", "syntax", "quasisyntax", "define-macro"]);
/** How deep a form may nest build-machine forms before we stop looking (read depth is bounded too). */
const MAX_NESTING = 200;

/**
 * Every build-machine form in `datums`, in source order (outer before nested),
 * leaving out quoted data and macro templates.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * // a quoted form is data, not a machine
 * findMachineForms(readSource(new SourceText("m.scm", `(list (build-machine (name "a")) '(build-machine (name "b")))`))).length; // 1
 */
export function findMachineForms(datums: readonly ReadDatum[]): MachineForm[] {
  const found: MachineForm[] = [];
  const visit = (datum: Datum, depth: number): void => {
    if (!(datum instanceof Pair) || depth > MAX_NESTING) return;
    const head = datum.car;
    if (head instanceof Sym && NOT_CODE.has(head.name)) return;
    if (head instanceof Sym && head.name === "build-machine" && datum.span && datum.carSpan) found.push(machineForm(datum, datum.span, datum.carSpan));
    for (let cursor: Datum = datum; cursor instanceof Pair; cursor = cursor.cdr) visit(cursor.car, depth + 1);
  };
  for (const { datum } of datums) visit(datum, 0);
  return found;
}

function machineForm(form: Pair, span: Span, headSpan: Span): MachineForm {
  const parsed = parseConstructorForm(BUILD_MACHINE, form);
  const located = (clause: RecordClause): MachineClause => ({
    field: clause.field,
    span: clause.span ?? span,
    nameSpan: clause.nameSpan ?? clause.span ?? span,
    valueSpan: clause.valueSpan ?? clause.span ?? span,
    value: clause.expr,
  });
  return {
    form,
    span,
    headSpan,
    inherit: parsed.inherit && located(parsed.inherit),
    clauses: parsed.clauses.map(located),
    violations: parsed.violations,
  };
}

/**
 * The last clause for `field` (the one that wins), if any.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const [form] = findMachineForms(readSource(new SourceText("m.scm", '(build-machine (port 22) (name "a") (port 2222))')));
 * clauseFor(form, "port")?.value; // 2222
 * clauseFor(form, "speed"); // undefined
 */
export function clauseFor(form: MachineForm, field: string): MachineClause | undefined {
  for (let i = form.clauses.length - 1; i >= 0; i--) if (form.clauses[i]!.field === field) return form.clauses[i];
  return undefined;
}

/**
 * Whether the form has an `(inherit …)` clause after its first clause, which
 * Guix takes for an unknown field named inherit.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * const [form] = findMachineForms(readSource(new SourceText("m.scm", '(build-machine (name "b") (inherit base))')));
 * hasMisplacedInherit(form); // true
 */
export function hasMisplacedInherit(form: MachineForm): boolean {
  return form.violations.some((v) => v.code === "extraneous-field-initializers" && v.field === "inherit");
}
