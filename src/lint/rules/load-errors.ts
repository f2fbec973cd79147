/**
 * The error that stopped evaluation, under its own code as the rule id —
 * unless a record-syntax rule already reported it — and `missing-file-read`
 * when the error is a file the program reads that does not exist (Guix
 * catches that and silently offloads nothing).
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const file = '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u")\n  (host-key (call-with-input-file "/no/such.pub" (@ (ice-9 textual-ports) get-string-all)))))';
 * lintText("m.scm", file).diagnostics.map((d) => [d.rule, d.span.range().line, d.message]);
 * // [["missing-file-read", 2, 'cannot read /no/such.pub: no such file: Guix treats a missing file as "no machines" and silently builds everything locally; create the file or stop reading it']]
 */
import { Span, type SourceText } from "../../../grammar/source.ts";
import { RECORD_ERROR_CODES, type RecordErrorCode } from "../../scheme/records.ts";
import type { RuleModule, RuleTable } from "../context.ts";
import { isPlaceholderSymbol } from "../placeholder-text.ts";

const RECORD_CODES: ReadonlySet<string> = new Set(RECORD_ERROR_CODES);

function isRecordErrorCode(code: string): code is RecordErrorCode {
  return RECORD_CODES.has(code);
}

/**
 * The rules this module reports: the reader's and evaluator's error codes
 * (record codes are record-syntax's), except that a file the program reads
 * and does not find (file-not-found) is missing-file-read.
 */
export const LOAD_ERROR_RULES = {
  "read-error": { severity: "error", fixable: false, description: "The file is not valid Scheme syntax; Guix cannot read it." },
  "unbound-variable": { severity: "error", fixable: false, description: "A name is used that is not defined; Guix fails to load the file." },
  "wrong-type-arg": { severity: "error", fixable: false, description: "A procedure got an argument of the wrong type while loading." },
  "wrong-number-of-args": { severity: "error", fixable: false, description: "A procedure was called with the wrong number of arguments." },
  "syntax-error": { severity: "error", fixable: false, description: "A special form is malformed." },
  "file-error": { severity: "error", fixable: false, description: "A file could not be read while loading." },
  "limit-exceeded": { severity: "error", fixable: false, description: "Reading or evaluating the file exceeded a limit." },
  "misc-error": { severity: "error", fixable: false, description: "Loading raised an error (error, raise, missing module...)." },
  "numerical-overflow": { severity: "error", fixable: false, description: "An arithmetic error (such as division by zero) while loading." },
  "out-of-range": { severity: "error", fixable: false, description: "An index or value out of range while loading." },
  "match-error": { severity: "error", fixable: false, description: "A (ice-9 match) form matched none of its patterns while loading." },
  "uncaught-throw": { severity: "error", fixable: false, description: "The file throws an exception it does not catch; Guix fails to load it." },
  "uncaught-exception": { severity: "error", fixable: false, description: "The file raises an exception it does not catch; Guix fails to load it." },
  refused: {
    severity: "warning",
    fixable: false,
    description: "The file runs a program, writes a file or the like while loading: Guix would, offload does not, so the rest is not checked.",
  },
  unsupported: { severity: "warning", fixable: false, description: "The file uses a Guile feature offload does not implement, so the rest is not checked." },
  "unsupported-module": {
    severity: "warning",
    fixable: false,
    description: "The file imports a Guile module offload does not provide, so the rest is not checked.",
  },
  "missing-file-read": { severity: "error", fixable: false, description: "A file read while loading does not exist; Guix silently drops every machine." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * lintText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key %build1-key)))').diagnostics.map((d) => [d.rule, d.span.text(), d.message]);
 * // [["unbound-variable", "%build1-key", "Unbound variable: %build1-key (Guix fails to load the file: every build that would offload fails)"]]
 */
export const loadErrorsRule: RuleModule = {
  name: "load-errors",
  rules: LOAD_ERROR_RULES,
  check(context) {
    const error = context.evaluation.error;
    if (!error) return;
    if (isRecordErrorCode(error.code) && context.reported(error.code)) return;
    const span = inThisFile(error.span, context.source) ?? inThisFile(context.evaluation.failedForm?.span, context.source) ?? new Span(context.source, 0, 0);
    if (error.code === "file-not-found") {
      context.report(
        "missing-file-read",
        span,
        `${error.message}: Guix treats a missing file as "no machines" and silently builds everything locally; create the file or stop reading it`,
      );
      return;
    }
    if (context.reported("placeholder") && error.code === "unbound-variable" && isPlaceholderSpan(span)) return;
    if (GUIX_LOADS.has(error.code)) {
      context.report(error.code, span, `${error.message} (Guix loads the file; offload cannot, so the rest of it is not checked)`);
      return;
    }
    context.report(error.code, span, `${error.message} (Guix fails to load the file: every build that would offload fails)`);
  },
};

/** Codes for what Guile does and offload will not or cannot: not the file's fault. */
const GUIX_LOADS: ReadonlySet<string> = new Set(["refused", "unsupported", "unsupported-module"]);

/**
 * `span` when it is in `source`: an error in a file this one loads or
 * includes is reported at the form of this file that led there (a location
 * in the other file would point at the wrong text of this one).
 */
function inThisFile(span: Span | undefined, source: SourceText): Span | undefined {
  return span !== undefined && span.source.file === source.file && span.source.text === source.text ? span : undefined;
}

function isPlaceholderSpan(span: Span): boolean {
  return isPlaceholderSymbol(span.text());
}
