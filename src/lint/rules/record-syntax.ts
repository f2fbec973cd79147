/**
 * The four errors Guix's `build-machine` macro raises when it expands —
 * invalid field specifier, duplicate field, unknown (extraneous) field,
 * missing required field — in every form, not only the first. What counts as
 * an error is the evaluator's own check (parseConstructorForm, through
 * machine-forms.ts); this rule only words each violation with a hint.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * lintText("m.scm", `(list (build-machine (name "a") (sytems (list "x86_64-linux")) (user "u") (host-key "${key}")))`).diagnostics.map((d) => [d.rule, d.span.text(), d.message]);
 * // [["extraneous-field-initializers", "sytems", "extraneous field initializer sytems (did you mean systems?): build-machine has no such field; Guix refuses to load the file"]]
 */
import { buildMachineFields } from "../../machines/build-machine.ts";
import { abbreviate } from "../../scheme/abbreviate.ts";
import { writeAbbreviated } from "../../scheme/printer.ts";
import type { RecordViolation } from "../../scheme/records.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import { hasMisplacedInherit, type MachineForm } from "../machine-forms.ts";
import { didYouMean } from "../suggest.ts";

const SETTABLE = buildMachineFields({ env: {} })
  .filter((f) => !f.innate)
  .map((f) => f.name);

/** Fields that existed in older Guix and what to do about them now. */
const OBSOLETE: Readonly<Record<string, string>> = {
  "ssh-options": "ssh-options was removed in Guix 0.12 (2016); delete it (Guix ignores ~/.ssh/config too)",
};

/** The rules this module reports: the record constructor's own error codes. */
export const RECORD_SYNTAX_RULES = {
  "invalid-field-specifier": { severity: "error", fixable: false, description: "A build-machine clause is not of the form (FIELD VALUE)." },
  "duplicate-field-initializer": { severity: "error", fixable: false, description: "The same field is given twice in one build-machine." },
  "extraneous-field-initializers": { severity: "error", fixable: false, description: "A build-machine names a field that does not exist." },
  "missing-field-initializers": { severity: "error", fixable: false, description: "A build-machine lacks a required field (name, user, host-key)." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * lintText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux"))))').diagnostics.map((d) => [d.rule, d.span.text(), d.message]);
 * // [["missing-field-initializers", "build-machine", "missing field initializers (user host-key): add (user ...) (host-key ...); Guix refuses to load the file"]]
 */
export const recordSyntaxRule: RuleModule = {
  name: "record-syntax",
  rules: RECORD_SYNTAX_RULES,
  check(context) {
    for (const form of context.forms) checkForm(context, form);
  },
};

function checkForm(context: LintContext, form: MachineForm): void {
  // An (inherit …) out of place is one mistake: the fields it would give are not also "missing".
  const misplaced = hasMisplacedInherit(form);
  for (const violation of form.violations) {
    if (misplaced && violation.code === "missing-field-initializers") continue;
    report(context, form, violation);
  }
}

function report(context: LintContext, form: MachineForm, violation: RecordViolation): void {
  const where = violation.span ?? form.span;
  switch (violation.code) {
    case "invalid-field-specifier":
      if (violation.improper) context.report(violation.code, where, "invalid field specifier: the form is an improper (dotted) list");
      else
        context.report(
          violation.code,
          where,
          `invalid field specifier ${writeAbbreviated(violation.datum)}: each clause must be (FIELD VALUE); Guix refuses to load the file`,
        );
      return;
    case "duplicate-field-initializer":
      context.report(
        violation.code,
        where,
        `duplicate field initializer ${abbreviate(violation.field)}: ${abbreviate(violation.field)} is already given in this build-machine; Guix refuses to load the file — keep one`,
      );
      return;
    case "extraneous-field-initializers": {
      if (violation.field === "inherit") {
        context.report(
          violation.code,
          violation.nameSpan ?? where,
          "(inherit …) must be the first clause of build-machine: elsewhere Guix takes it for an unknown field and refuses to load the file; move it to the top",
        );
        return;
      }
      const obsolete = OBSOLETE[violation.field];
      const hint = obsolete ? `: ${obsolete}` : `${didYouMean(violation.field, SETTABLE)}: build-machine has no such field`;
      context.report(
        violation.code,
        violation.nameSpan ?? where,
        `extraneous field initializer ${abbreviate(violation.field)}${hint}; Guix refuses to load the file`,
      );
      return;
    }
    case "missing-field-initializers": {
      const missing = violation.fields;
      context.report(
        violation.code,
        form.headSpan,
        `missing field initializers (${missing.join(" ")}): add ${missing.map((m) => `(${m} ...)`).join(" ")}; Guix refuses to load the file`,
      );
      return;
    }
  }
}
