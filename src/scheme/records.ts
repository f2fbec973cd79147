/**
 * Guix-style records (`define-record-type*`): a fields table — name, default,
 * required — drives construction, defaults, `inherit`, accessors and the four
 * expansion-time errors, so no field is handled by hand anywhere else.
 *
 * @example
 * const point = defineRecordType({
 *   typeName: "point", constructorName: "point",
 *   fields: [{ name: "x" }, { name: "y", default: () => 0 }],
 * });
 * // (point (x 1)) => #<point 1>
 */
import type { Span } from "../../grammar/source.ts";
import { Environment } from "./environment.ts";
import { SchemeError } from "./errors.ts";
import type { Evaluator } from "./evaluator.ts";
import { writeString } from "./printer.ts";
import { Macro, NIL, Pair, Primitive, RecordInstance, RecordType, Sym, sym, type Datum } from "./values.ts";

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

/** A clause of a constructor form, with where it was written. */
interface Clause {
  field: string;
  expr: Datum;
  span: Span | undefined;
}

/** Defines a record type with a syntactic constructor following Guix's rules. */
export function defineRecordType(spec: RecordSpec): RecordDefinition {
  const type = new RecordType(spec.typeName, spec.fields.map((f) => f.name));
  const check = (form: Pair) => void parseConstructorForm(spec, form);
  const expand = (form: Pair, env: Environment, evaluator: Evaluator): Datum => {
    const parsed = parseConstructorForm(spec, form);
    const record = construct(spec, type, parsed, form, env, evaluator);
    spec.onConstruct?.(record);
    return record;
  };
  return {
    type,
    constructor: new Macro(spec.constructorName, expand, check),
    predicate: new Primitive(`${spec.typeName}?`, 1, 1, ([x]) => x instanceof RecordInstance && x.type === type),
    accessor(field: string, name = `${spec.typeName}-${field}`): Primitive {
      return new Primitive(name, 1, 1, ([x]) => {
        if (!(x instanceof RecordInstance) || x.type !== type) {
          throw new SchemeError(
            "wrong-type-arg",
            `${name}: wrong type argument in position 1 (expecting ${spec.typeName}): ${writeString(x!)}`,
          );
        }
        return x.fields.get(field)!;
      });
    },
  };
}

interface ParsedForm {
  inherit: Clause | undefined;
  clauses: Clause[];
}

function violation(
  code: "invalid-field-specifier" | "duplicate-field-initializer" | "extraneous-field-initializers" | "missing-field-initializers",
  message: string,
  span: Span | undefined,
): SchemeError {
  return new SchemeError(code, message, span);
}

/** Validates a constructor form in Guix's order of checks and returns its clauses. */
function parseConstructorForm(spec: RecordSpec, form: Pair): ParsedForm {
  const clauses: Clause[] = [];
  let inherit: Clause | undefined;
  let cursor = form.cdr;
  let first = true;
  while (cursor instanceof Pair) {
    const clause = cursor.car;
    // Like Guile: only pairs carry source locations; a bare clause is located at the form.
    const span = clause instanceof Pair ? cursor.carSpan ?? form.span : form.span;
    if (!(clause instanceof Pair) || !(clause.car instanceof Sym) || !(clause.cdr instanceof Pair) || clause.cdr.cdr !== NIL) {
      throw violation("invalid-field-specifier", `invalid field specifier ${abbreviate(writeString(clause))}`, span);
    }
    const entry = { field: clause.car.name, expr: clause.cdr.car, span };
    if (first && entry.field === "inherit") inherit = entry;
    else clauses.push(entry);
    first = false;
    cursor = cursor.cdr;
  }
  if (cursor !== NIL) throw violation("invalid-field-specifier", "invalid field specifier (improper list)", form.span);
  const known = new Set(spec.fields.map((f) => f.name));
  if (!inherit) {
    const seen = new Set<string>();
    for (const clause of clauses) {
      if (seen.has(clause.field)) {
        throw violation("duplicate-field-initializer", `duplicate field initializer ${clause.field}`, clause.span);
      }
      seen.add(clause.field);
    }
  }
  const extraneous = clauses.filter((c) => !known.has(c.field));
  if (extraneous.length > 0) {
    const names = extraneous.map((c) => c.field);
    const hints = names.map((n) => suggestField(n, spec)).filter((h): h is string => h !== undefined);
    const hint = hints.length > 0 ? ` (did you mean ${hints.join(", ")}?)` : "";
    throw violation("extraneous-field-initializers", `extraneous field initializers (${names.join(" ")})${hint}`, form.span);
  }
  if (!inherit) {
    const given = new Set(clauses.map((c) => c.field));
    const missing = spec.fields.filter((f) => !f.default && !f.innate && !given.has(f.name)).map((f) => f.name);
    if (missing.length > 0) {
      throw violation("missing-field-initializers", `missing field initializers (${missing.join(" ")})`, form.span);
    }
  }
  return { inherit, clauses };
}

function construct(
  spec: RecordSpec,
  type: RecordType,
  parsed: ParsedForm,
  form: Pair,
  env: Environment,
  evaluator: Evaluator,
): RecordInstance {
  const fields = new Map<string, Datum>();
  if (parsed.inherit) {
    const parent = evaluator.evaluate(parsed.inherit.expr, env);
    if (!(parent instanceof RecordInstance) || parent.type !== type) {
      throw new SchemeError(
        "wrong-type-arg",
        `inherit: expected a ${spec.typeName} record, got ${abbreviate(writeString(parent))}`,
        parsed.inherit.span,
      );
    }
    for (const field of spec.fields) if (!field.innate) fields.set(field.name, parent.fields.get(field.name)!);
  }
  // Clauses are bound like let*: a later clause sees earlier fields by name.
  let scope = env;
  for (const clause of parsed.clauses) {
    const value = evaluator.evaluate(clause.expr, scope);
    fields.set(clause.field, value);
    scope = new Environment(scope);
    scope.define(sym(clause.field), value);
  }
  for (const field of spec.fields) {
    if (!fields.has(field.name) && field.default) fields.set(field.name, field.default({ span: form.span, evaluator }));
  }
  return new RecordInstance(type, fields, form.span);
}

function suggestField(name: string, spec: RecordSpec): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const field of spec.fields) {
    if (field.innate) continue;
    const d = editDistance(name, field.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = field.name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance with transpositions, for did-you-mean hints. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function abbreviate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
