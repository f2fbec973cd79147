/**
 * Guix-style records (`define-record-type*`): a fields table — name, default,
 * required — drives construction, defaults, `inherit`, accessors and the four
 * expansion-time errors, so no field is handled by hand anywhere else.
 *
 * {@link parseConstructorForm} finds every violation of a constructor form;
 * the evaluator raises the one Guix would raise ({@link firstViolationError}),
 * a linter can report them all.
 *
 * @example
 * import { createInterpreter } from "./interpreter.ts";
 * const point = defineRecordType({
 *   typeName: "point",
 *   constructorName: "point",
 *   fields: [{ name: "x" }, { name: "y", default: () => 0 }],
 * });
 * const scheme = createInterpreter({
 *   extend: (table) => {
 *     table.bind("point", point.constructor);
 *     table.bind("point-y", point.accessor("y"));
 *   },
 * });
 * scheme.evalString("(point-y (point (x 1)))"); // 0
 * let message = "";
 * try {
 *   scheme.evalString("(point (x 1) (z 2))");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message; // "extraneous field initializers (z) (did you mean x?)"
 */
import type { Span } from "../../grammar/source.ts";
import { abbreviate } from "./abbreviate.ts";
import { editDistance, MAX_SUGGESTED_LENGTH } from "./edit-distance.ts";
import { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { Evaluator } from "./evaluator.ts";
import { writeAbbreviated, writeString } from "./printer.ts";
import { identifierName, isIdentifier, type Identifier } from "./identifiers.ts";
import { Macro, NIL, Pair, Primitive, RecordInstance, RecordType, sym, type Datum } from "./values.ts";

/** One field: no `default` means required. `innate` fields are not copied by `inherit`. */
export interface RecordFieldSpec {
  name: string;
  default?: (context: { span: Span | undefined; evaluator: Evaluator }) => Datum;
  innate?: boolean;
}

export interface RecordSpec {
  typeName: string;
  constructorName: string;
  fields: RecordFieldSpec[];
  /** Called with each record built, e.g. to collect them for linting. */
  onConstruct?: (record: RecordInstance) => void;
}

/** The bindings a record definition provides. */
export interface RecordDefinition {
  type: RecordType;
  constructor: Macro;
  predicate: Primitive;
  accessor(field: string, name?: string): Primitive;
}

/** A `(FIELD VALUE)` clause of a constructor form, with where each part was written. */
export interface RecordClause {
  field: string;
  /** The field name as written (a macro-introduced name when a macro wrote the clause). */
  identifier: Identifier;
  expr: Datum;
  /** The whole clause. */
  span: Span | undefined;
  nameSpan: Span | undefined;
  valueSpan: Span | undefined;
}

/** The codes of the four errors a record constructor raises when it is expanded, in Guix's order of checks. */
export const RECORD_ERROR_CODES = [
  "invalid-field-specifier",
  "duplicate-field-initializer",
  "extraneous-field-initializers",
  "missing-field-initializers",
] as const;

export type RecordErrorCode = (typeof RECORD_ERROR_CODES)[number];

/**
 * One thing wrong with a constructor form. `span` is the exact offending
 * text: the clause for invalid, duplicate and extraneous clauses (an improper
 * tail: the whole form), the constructor's name for missing fields.
 */
export type RecordViolation =
  | { code: "invalid-field-specifier"; span: Span | undefined; datum: Datum; improper: boolean }
  | { code: "duplicate-field-initializer"; span: Span | undefined; field: string; nameSpan: Span | undefined }
  | { code: "extraneous-field-initializers"; span: Span | undefined; field: string; nameSpan: Span | undefined }
  | { code: "missing-field-initializers"; span: Span | undefined; fields: string[] };

/** A constructor form split into clauses, with every violation found in it. */
export interface ParsedConstructorForm {
  /** `(inherit EXPR)` when it is the first clause. */
  inherit: RecordClause | undefined;
  /** The other well-formed clauses, in order. */
  clauses: RecordClause[];
  /** Every violation, grouped in Guix's order of checks (invalid, duplicate, extraneous, missing). */
  violations: RecordViolation[];
}

/**
 * Defines a record type with a syntactic constructor following Guix's rules.
 *
 * @example
 * defineRecordType({ typeName: "point", constructorName: "point", fields: [{ name: "x" }] }).predicate.name; // "point?"
 */
export function defineRecordType(spec: RecordSpec): RecordDefinition {
  const type = new RecordType(
    spec.typeName,
    spec.fields.map((f) => f.name),
  );
  const parse = (form: Pair): ParsedConstructorForm => {
    const parsed = parseConstructorForm(spec, form);
    const error = firstViolationError(spec, form, parsed);
    if (error) throw error;
    return parsed;
  };
  const expand = (form: Pair, env: Environment, evaluator: Evaluator): Datum => {
    const record = construct(spec, type, parse(form), form, env, evaluator);
    spec.onConstruct?.(record);
    return record;
  };
  return {
    type,
    constructor: new Macro(spec.constructorName, expand, (form) => void parse(form)),
    predicate: new Primitive(`${spec.typeName}?`, 1, 1, ([x]) => x instanceof RecordInstance && x.type === type),
    accessor(field: string, name = `${spec.typeName}-${field}`): Primitive {
      return new Primitive(name, 1, 1, ([x]) => {
        if (!(x instanceof RecordInstance) || x.type !== type) {
          throw new SchemeError("wrong-type-arg", `${name}: wrong type argument in position 1 (expecting ${spec.typeName}): ${writeString(x!)}`);
        }
        return x.fields.get(field)!;
      });
    },
  };
}

/**
 * Splits a constructor form into clauses and finds every violation of
 * Guix's rules: clauses not of the shape `(FIELD VALUE)`, fields given twice
 * (not checked after `inherit`, as in Guix), unknown fields, and missing
 * required fields (not after `inherit`). Never throws.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import type { Pair } from "./values.ts";
 * const spec = { fields: [{ name: "name" }, { name: "systems" }, { name: "port", default: () => 22 }] };
 * const [read] = readSource(new SourceText("m.scm", `(build-machine (name "a") (name "b") (sytems '()))`));
 * const form = read!.datum as Pair;
 * parseConstructorForm(spec, form).violations.map((v) => [v.code, v.span?.toString()]);
 * // [["duplicate-field-initializer", "m.scm:1:27"], ["extraneous-field-initializers", "m.scm:1:38"],
 * //  ["missing-field-initializers", "m.scm:1:2"]]
 */
export function parseConstructorForm(spec: { readonly fields: readonly RecordFieldSpec[] }, form: Pair): ParsedConstructorForm {
  const invalid: RecordViolation[] = [];
  const clauses: RecordClause[] = [];
  let inherit: RecordClause | undefined;
  let cursor = form.cdr;
  for (let first = true; cursor instanceof Pair; cursor = cursor.cdr, first = false) {
    const clause = asClause(cursor.car, cursor.carSpan ?? form.span);
    if (!clause) invalid.push({ code: "invalid-field-specifier", span: cursor.carSpan ?? form.span, datum: cursor.car, improper: false });
    else if (first && clause.field === "inherit") inherit = clause;
    else clauses.push(clause);
  }
  if (cursor !== NIL) invalid.push({ code: "invalid-field-specifier", span: form.span, datum: cursor, improper: true });
  const violations = [...invalid];
  if (!inherit) violations.push(...duplicates(clauses));
  const known = new Set(spec.fields.map((f) => f.name));
  for (const clause of clauses) {
    if (!known.has(clause.field)) {
      violations.push({ code: "extraneous-field-initializers", span: clause.span, field: clause.field, nameSpan: clause.nameSpan });
    }
  }
  if (!inherit) {
    const given = new Set(clauses.map((c) => c.field));
    const missing = spec.fields.filter((f) => !f.default && !f.innate && !given.has(f.name)).map((f) => f.name);
    if (missing.length > 0) violations.push({ code: "missing-field-initializers", span: form.carSpan ?? form.span, fields: missing });
  }
  return { inherit, clauses, violations };
}

/**
 * A `(FIELD VALUE)` clause, or undefined for any other shape. As in Guix, the
 * shape is all that makes a clause valid: `(22 22)` is a clause whose field
 * (22) is unknown — extraneous, not invalid.
 */
function asClause(datum: Datum, span: Span | undefined): RecordClause | undefined {
  if (!(datum instanceof Pair)) return undefined;
  const rest = datum.cdr;
  if (!(rest instanceof Pair) || rest.cdr !== NIL) return undefined;
  const identifier = isIdentifier(datum.car) ? datum.car : sym(writeString(datum.car));
  return { field: identifierName(identifier), identifier, expr: rest.car, span, nameSpan: datum.carSpan ?? span, valueSpan: rest.carSpan ?? span };
}

function duplicates(clauses: readonly RecordClause[]): RecordViolation[] {
  const seen = new Set<string>();
  const found: RecordViolation[] = [];
  for (const clause of clauses) {
    if (seen.has(clause.field)) {
      found.push({ code: "duplicate-field-initializer", span: clause.span, field: clause.field, nameSpan: clause.nameSpan });
    }
    seen.add(clause.field);
  }
  return found;
}

/**
 * The error Guix raises for a constructor form with these violations, located
 * where Guile locates it, or undefined when the form is fine. Guix stops at
 * the first kind of check that fails; unknown fields are reported together.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import type { Pair } from "./values.ts";
 * const spec = { fields: [{ name: "name" }, { name: "systems" }] };
 * const [read] = readSource(new SourceText("m.scm", `(build-machine (name "a") (name "b") (sytems '()))`));
 * const form = read!.datum as Pair;
 * firstViolationError(spec, form, parseConstructorForm(spec, form))?.format(); // "m.scm:1:27: error: duplicate field initializer name"
 */
export function firstViolationError(spec: { readonly fields: readonly RecordFieldSpec[] }, form: Pair, parsed: ParsedConstructorForm): SchemeError | undefined {
  const first = parsed.violations[0];
  if (!first) return undefined;
  switch (first.code) {
    case "invalid-field-specifier": {
      if (first.improper) return new SchemeError(first.code, "invalid field specifier (improper list)", form.span);
      // Like Guile: only pairs carry source locations; a bare clause is located at the form.
      const span = first.datum instanceof Pair ? first.span : form.span;
      return new SchemeError(first.code, `invalid field specifier ${writeAbbreviated(first.datum)}`, span);
    }
    case "duplicate-field-initializer":
      return new SchemeError(first.code, `duplicate field initializer ${abbreviate(first.field)}`, first.span);
    case "extraneous-field-initializers": {
      const names = parsed.violations.flatMap((v) => (v.code === "extraneous-field-initializers" ? [v.field] : []));
      const hints = names.map((n) => suggestField(n, spec.fields)).filter((h): h is string => h !== undefined);
      const hint = hints.length > 0 ? ` (did you mean ${hints.join(", ")}?)` : "";
      return new SchemeError(first.code, `extraneous field initializers ${abbreviate(`(${names.join(" ")})`)}${hint}`, form.span);
    }
    case "missing-field-initializers":
      return new SchemeError(first.code, `missing field initializers (${first.fields.join(" ")})`, form.span);
  }
}

function construct(spec: RecordSpec, type: RecordType, parsed: ParsedConstructorForm, form: Pair, env: Environment, evaluator: Evaluator): RecordInstance {
  const fields = new Map<string, Datum>();
  if (parsed.inherit) {
    const parent = evaluator.evaluate(parsed.inherit.expr, env, parsed.inherit.valueSpan);
    if (!(parent instanceof RecordInstance) || parent.type !== type) {
      throw new SchemeError("wrong-type-arg", `inherit: expected a ${spec.typeName} record, got ${writeAbbreviated(parent)}`, parsed.inherit.span);
    }
    for (const field of spec.fields) if (!field.innate) fields.set(field.name, parent.fields.get(field.name)!);
  }
  // Clauses are bound like let*: a later clause sees earlier fields by name.
  let scope = env;
  for (const clause of parsed.clauses) {
    const value = evaluator.evaluate(clause.expr, scope, clause.valueSpan);
    fields.set(clause.field, value);
    scope = new Environment(scope);
    scope.define(clause.identifier, value);
  }
  for (const field of spec.fields) {
    if (!fields.has(field.name) && field.default) fields.set(field.name, field.default({ span: form.span, evaluator }));
  }
  return new RecordInstance(type, fields, form.span);
}

function suggestField(name: string, fields: readonly RecordFieldSpec[]): string | undefined {
  if (name.length > MAX_SUGGESTED_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const field of fields) {
    if (field.innate) continue;
    const d = editDistance(name, field.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = field.name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
