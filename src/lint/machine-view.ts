/**
 * One machine as the value rules see it: each field's value (evaluated, or
 * read literally when evaluation never reached the form) and the span that
 * gave it, so a diagnostic can point at the exact value in the file.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import { evaluateMachines } from "./evaluation.ts";
 * import { findMachineForms } from "./machine-forms.ts";
 * const source = new SourceText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "k") (port 2222)))');
 * const datums = readSource(source);
 * const [view] = viewsOf(findMachineForms(datums), evaluateMachines(source, datums, {}));
 * const port = view.field("port");
 * [port.value, port.origin, port.span.text()]; // [2222, "clause", "2222"]
 * const builds = view.field("parallel-builds");
 * [builds.value, builds.origin, builds.span.text()]; // [1, "default", "build-machine"]
 */
import type { Span } from "../../grammar/source.ts";
import { NIL, type RecordInstance } from "../scheme/values.ts";
import type { Evaluation } from "./evaluation.ts";
import { fieldDefaults } from "./field-defaults.ts";
import { clauseFor, type MachineClause, type MachineForm } from "./machine-forms.ts";
import { staticValue, UNKNOWN, type StaticValue } from "./static-value.ts";

/** Where a field's value came from. */
export type FieldOrigin = "clause" | "inherit" | "default";

/** A field's value and where to point when it is wrong. */
export interface FieldValue {
  value: StaticValue;
  span: Span;
  origin: FieldOrigin;
  clause: MachineClause | undefined;
}

/** A machine: an evaluated record or, failing that, a form read literally. */
export interface MachineView {
  form: MachineForm | undefined;
  record: RecordInstance | undefined;
  /** The `(build-machine ...)` form's span. */
  span: Span;
  field(name: string): FieldValue;
}

/**
 * Views for every machine Guix would use: the records the file returns (every
 * record built, when loading failed) plus every form evaluation never reached.
 * Records built but not returned (templates, disabled machines) are left out:
 * Guix never looks at their values.
 *
 * @example
 * import { readSource } from "../../grammar/reader.ts";
 * import { SourceText } from "../../grammar/source.ts";
 * import { evaluateMachines } from "./evaluation.ts";
 * import { findMachineForms } from "./machine-forms.ts";
 * // loading stops at the unbound %p: a is a record, b only a form read as written
 * const source = new SourceText("m.scm", '(define a (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "k")))\n(list a (build-machine (inherit a) (name "b") (port %p)))');
 * const datums = readSource(source);
 * viewsOf(findMachineForms(datums), evaluateMachines(source, datums, {})).map((view) => [view.field("name").value, view.record !== undefined]); // [[{ text: "a" }, true], [{ text: "b" }, false]]
 */
export function viewsOf(forms: readonly MachineForm[], evaluation: Evaluation): MachineView[] {
  const formAt = new Map<string, MachineForm>();
  for (const form of forms) formAt.set(key(form.span), form);
  const views: MachineView[] = [];
  const reached = new Set<MachineForm>();
  const returned = evaluation.returned ? new Set(evaluation.returned) : undefined;
  for (const record of evaluation.constructed) {
    if (!record.span) continue;
    const form = formAt.get(key(record.span));
    if (form) reached.add(form);
    if (returned && !returned.has(record)) continue;
    views.push(recordView(record, record.span, form));
  }
  for (const form of forms) if (!reached.has(form)) views.push(formView(form));
  return views;
}

function key(span: Span): string {
  return `${span.file}\u0000${span.start}`;
}

function recordView(record: RecordInstance, span: Span, form: MachineForm | undefined): MachineView {
  return {
    form,
    record,
    span,
    field(name) {
      const value = record.fields.get(name) ?? UNKNOWN;
      const clause = form ? clauseFor(form, name) : undefined;
      if (clause) return { value, span: clause.valueSpan, origin: "clause", clause };
      if (form?.inherit) return { value, span: form.inherit.span, origin: "inherit", clause: undefined };
      return { value, span: form?.headSpan ?? span, origin: "default", clause: undefined };
    },
  };
}

function formView(form: MachineForm): MachineView {
  return {
    form,
    record: undefined,
    span: form.span,
    field(name) {
      const clause = clauseFor(form, name);
      if (clause) return { value: staticValue(clause.value), span: clause.valueSpan, origin: "clause", clause };
      if (form.inherit) return { value: UNKNOWN, span: form.inherit.span, origin: "inherit", clause: undefined };
      const fallback = name === "systems" || name === "system" ? false : (fieldDefaults().get(name) ?? UNKNOWN);
      return { value: fallback === NIL && name !== "features" ? UNKNOWN : fallback, span: form.headSpan, origin: "default", clause: undefined };
    },
  };
}
