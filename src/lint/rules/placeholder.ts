/**
 * Values left as placeholders in any field (strings, and template symbols
 * such as `${SYSTEMS}` that are unbound when the file is evaluated).
 *
 * @example
 * import { lintText } from "../linter.ts";
 * lintText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "FIXME")))').diagnostics.map((d) => d.message);
 * // ['host-key "FIXME" contains a placeholder (a FIXME/TODO marker): fill in the real value']
 */
import type { Span } from "../../../grammar/source.ts";
import { abbreviate } from "../../scheme/abbreviate.ts";
import { Pair, Sym, listToArray, stringText, type Datum } from "../../scheme/values.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import type { MachineForm } from "../machine-forms.ts";
import { isPlaceholderSymbol, placeholderIn } from "../placeholder-text.ts";
import { elementSpans } from "../datum-spans.ts";
import { innerSpan } from "../string-spans.ts";

const STRING_FIELDS = ["name", "user", "host-key", "private-key", "compression", "daemon-socket", "system"];
const LIST_FIELDS = ["systems", "features"];

/** The rule this module reports. */
export const PLACEHOLDER_RULES = {
  placeholder: { severity: "error", fixable: false, description: 'A value left as a placeholder ("", FIXME, xxxx, …, $(...), ${...}, <...>, /path/to/...).' },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * lintText("m.scm", `(list (build-machine (name "<host name>") (systems (list "x86_64-linux")) (user "u") (host-key "${key}")))`).diagnostics.map((d) => [d.rule, d.span.text()]);
 * // [["placeholder", "<host name>"]]
 */
export const placeholderRule: RuleModule = {
  name: "placeholder",
  rules: PLACEHOLDER_RULES,
  check(context) {
    for (const form of context.forms) checkSymbols(context, form);
    for (const view of context.views) {
      for (const field of STRING_FIELDS) {
        const fv = view.field(field);
        const text = stringText(fv.value);
        if (text !== undefined) checkString(context, field, text, fv.span);
      }
      for (const field of LIST_FIELDS) {
        const fv = view.field(field);
        if (typeof fv.value === "symbol") continue;
        const items = listToArray(fv.value);
        if (!items) continue;
        const spans = fv.clause ? elementSpans(fv.clause.value) : undefined;
        items.forEach((item, i) => {
          const text = stringText(item);
          if (text !== undefined) checkString(context, field, text, spans?.length === items.length ? spans[i]! : fv.span);
        });
      }
    }
  },
};

function checkString(context: LintContext, field: string, value: string, span: Span): void {
  const hit = placeholderIn(value);
  if (!hit) return;
  const where = innerSpan(span, value, hit.index, hit.length);
  const quoted = JSON.stringify(abbreviate(value));
  context.report("placeholder", where, `${field} ${quoted} contains a placeholder (${hit.what}): fill in the real value`);
}

function checkSymbols(context: LintContext, form: MachineForm): void {
  const visit = (datum: Datum, span: Span | undefined, depth: number) => {
    if (depth > 100) return;
    if (datum instanceof Sym && span && isPlaceholderSymbol(datum.name)) {
      context.report(
        "placeholder",
        span,
        `${abbreviate(datum.name)} is an unfilled template placeholder (an unbound symbol when Guix loads the file): replace it with the real value`,
      );
      return;
    }
    if (datum instanceof Pair) for (let c: Datum = datum; c instanceof Pair; c = c.cdr) visit(c.car, c.carSpan, depth + 1);
  };
  for (const clause of [...form.clauses, ...(form.inherit ? [form.inherit] : [])]) visit(clause.value, clause.valueSpan, 0);
}
