/**
 * The four errors Guix's `build-machine` macro raises when it expands —
 * invalid field specifier, duplicate field, unknown (extraneous) field,
 * missing required field — found in every form, not only the first.
 *
 * @example
 * // (build-machine (name "a") (sytems ...)) → extraneous-field-initializers at (sytems ...),
 * //   "did you mean systems?"
 */
import { buildMachineFields } from "../../machines/build-machine.ts";
import { writeString } from "../../scheme/printer.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import type { MachineForm } from "../machine-forms.ts";
import { didYouMean } from "../suggest.ts";

const FIELDS = buildMachineFields({ env: {} });
const KNOWN = new Set(FIELDS.map((f) => f.name));
const SETTABLE = FIELDS.filter((f) => !f.innate).map((f) => f.name);
const REQUIRED = FIELDS.filter((f) => !f.default && !f.innate).map((f) => f.name);

/** Fields that existed in older Guix and what to do about them now. */
const OBSOLETE: Record<string, string> = {
  "ssh-options": "ssh-options was removed in Guix 0.12 (2016); delete it (Guix ignores ~/.ssh/config too)",
};

/** The rules this module reports: the record constructor's own error codes. */
export const RECORD_SYNTAX_RULES = {
  "invalid-field-specifier": { severity: "error", fixable: false, description: "A build-machine clause is not of the form (FIELD VALUE)." },
  "duplicate-field-initializer": { severity: "error", fixable: false, description: "The same field is given twice in one build-machine." },
  "extraneous-field-initializers": { severity: "error", fixable: false, description: "A build-machine names a field that does not exist." },
  "missing-field-initializers": { severity: "error", fixable: false, description: "A build-machine lacks a required field (name, user, host-key)." },
} as const satisfies RuleTable;

export const recordSyntaxRule: RuleModule = {
  name: "record-syntax",
  rules: RECORD_SYNTAX_RULES,
  check(context) {
    for (const form of context.forms) checkForm(context, form);
  },
};

function checkForm(context: LintContext, form: MachineForm): void {
  for (const bad of form.invalid) {
    context.report(
      "invalid-field-specifier",
      bad.span,
      `invalid field specifier ${abbreviate(writeString(bad.datum))}: each clause must be (FIELD VALUE); Guix refuses to load the file`,
    );
  }
  if (form.improper) context.report("invalid-field-specifier", form.span, "invalid field specifier: the form is an improper (dotted) list");
  if (!form.inherit) {
    const seen = new Set<string>();
    for (const clause of form.clauses) {
      if (seen.has(clause.field)) {
        context.report(
          "duplicate-field-initializer",
          clause.span,
          `duplicate field initializer ${clause.field}: ${clause.field} is already given in this build-machine; Guix refuses to load the file — keep one`,
        );
      }
      seen.add(clause.field);
    }
  }
  for (const clause of form.clauses) {
    if (KNOWN.has(clause.field) && clause.field !== "location") continue;
    const obsolete = OBSOLETE[clause.field];
    const hint = obsolete ? `: ${obsolete}` : `${didYouMean(clause.field, SETTABLE)}: build-machine has no such field`;
    context.report("extraneous-field-initializers", clause.nameSpan, `extraneous field initializer ${clause.field}${hint}; Guix refuses to load the file`);
  }
  if (!form.inherit) {
    const given = new Set(form.clauses.map((c) => c.field));
    const missing = REQUIRED.filter((f) => !given.has(f));
    if (missing.length > 0) {
      context.report(
        "missing-field-initializers",
        form.headSpan,
        `missing field initializers (${missing.join(" ")}): add ${missing.map((m) => `(${m} ...)`).join(" ")}; Guix refuses to load the file`,
      );
    }
  }
}

function abbreviate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
