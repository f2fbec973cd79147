/**
 * The error that stopped evaluation, under its own code as the rule id —
 * unless a record-syntax rule already reported it — and `missing-file-read`
 * when the error is a file the program reads that does not exist (Guix
 * catches that and silently offloads nothing).
 *
 * @example
 * // (host-key (call-with-input-file "/no/such.pub" get-string-all))
 * // → missing-file-read at the call
 */
import { Span } from "../../../grammar/source.ts";
import type { RuleModule } from "../context.ts";
import { isPlaceholderSymbol } from "../placeholder-text.ts";

const RECORD_CODES = new Set(["invalid-field-specifier", "duplicate-field-initializer", "extraneous-field-initializers", "missing-field-initializers"]);

export const loadErrorsRule: RuleModule = {
  name: "load-errors",
  check(context) {
    const error = context.evaluation.error;
    if (!error) return;
    if (RECORD_CODES.has(error.code) && context.reported(error.code)) return;
    const span = error.span ?? new Span(context.source, 0, 0);
    if (error.code === "file-error" && /no such file/.test(error.message)) {
      context.report(
        "missing-file-read",
        span,
        `${error.message}: Guix treats a missing file as "no machines" and silently builds everything locally; create the file or stop reading it`,
      );
      return;
    }
    if (context.reported("placeholder") && error.code === "unbound-variable" && isPlaceholderSpan(span)) return;
    context.report(error.code, span, `${error.message} (Guix fails to load the file: every build that would offload fails)`);
  },
};

function isPlaceholderSpan(span: Span): boolean {
  return isPlaceholderSymbol(span.text());
}
