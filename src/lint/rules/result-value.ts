/**
 * What the file returns: it must be a list of build-machine records
 * (`not-a-list`, with a fix wrapping a bare record in `(list ...)`); records
 * built but not returned (`unused-machine`); and an empty result
 * (`no-machines`).
 *
 * @example
 * import { lintText } from "../linter.ts";
 * // the fix wraps the record in (list ...): one edit before it, one after
 * const [notAList] = lintText("m.scm", '(build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "ssh-ed25519 AAAA…"))').diagnostics;
 * [notAList.rule, notAList.fix?.edits]; // ["not-a-list", [{ start: 0, end: 0, text: "(list " }, { start: 100, end: 100, text: ")" }]]
 */
import { Span } from "../../../grammar/source.ts";
import { abbreviate } from "../../scheme/abbreviate.ts";
import { writeAbbreviated } from "../../scheme/printer.ts";
import { Pair, RecordInstance, Sym, listToArray, stringText } from "../../scheme/values.ts";
import type { LintContext, RuleModule, RuleTable } from "../context.ts";
import type { Fix } from "../diagnostic.ts";

/** The rules this module reports. */
export const RESULT_VALUE_RULES = {
  "not-a-list": { severity: "error", fixable: true, description: "The file's last value is not a list of build machines; Guix ignores it." },
  "unused-machine": { severity: "info", fixable: false, description: "A build-machine is built but not in the file's result." },
  "no-machines": { severity: "info", fixable: false, description: "The file defines no build machines; nothing is offloaded." },
} as const satisfies RuleTable;

/**
 * The check, run once per file by the linter.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * lintText("m.scm", "(list)").diagnostics.map((d) => [d.rule, d.severity, d.message]);
 * // [["no-machines", "info", "the file returns an empty list: no build machines, every build runs locally"]]
 * // a record built but left out of the result is reported instead of no-machines
 * lintText("m.scm", `(define template (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}")))\n(list)`).diagnostics.map((d) => d.message);
 * // ["build-machine 'a' is built but not in the list the file returns, so Guix never uses it (fine if it is only a template for inherit)"]
 */
export const resultValueRule: RuleModule = {
  name: "result-value",
  rules: RESULT_VALUE_RULES,
  check(context) {
    const { evaluation } = context;
    if (evaluation.error || evaluation.lastValue === undefined) return;
    if (!evaluation.returned) {
      reportNotAList(context);
      return;
    }
    if (evaluation.returned.length === 0 && evaluation.constructed.length === 0) {
      const last = context.datums[context.datums.length - 1];
      if (last) context.report("no-machines", last.span, "the file returns an empty list: no build machines, every build runs locally");
    }
    reportUnused(context);
  },
};

function reportNotAList(context: LintContext): void {
  const last = context.datums[context.datums.length - 1];
  const value = context.evaluation.lastValue!;
  const where = last?.span;
  if (!where) {
    context.report(
      "not-a-list",
      new Span(context.source, 0, 0),
      "the file is empty: Guix needs a list of build machines as its last value; write (list (build-machine ...))",
    );
    return;
  }
  let detail: string;
  const items = listToArray(value);
  if (value instanceof RecordInstance) detail = "it returns a single build-machine, not a list";
  else if (items) {
    const bad = items.find((x) => !(x instanceof RecordInstance && x.type.name === "build-machine"))!;
    detail = `element ${items.indexOf(bad) + 1} of the list is ${writeAbbreviated(bad)}, not a build-machine, so the whole list is ignored`;
  } else detail = `it returns ${writeAbbreviated(value)}`;
  const bare = last.datum instanceof Pair && last.datum.car instanceof Sym && last.datum.car.name === "build-machine";
  const fix: Fix | null = bare
    ? {
        description: "wrap the build-machine in (list ...)",
        edits: [
          { start: where.start, end: where.start, text: "(list " },
          { start: where.end, end: where.end, text: ")" },
        ],
      }
    : null;
  context.report("not-a-list", where, `the file's last value is not a list of build machines (${detail}); Guix ignores the file and offloads nothing`, fix);
}

function reportUnused(context: LintContext): void {
  const returned = new Set(context.evaluation.returned);
  const returnedSpans = new Set<number>();
  for (const r of returned) if (r.span) returnedSpans.add(r.span.start);
  for (const record of context.evaluation.constructed) {
    if (returned.has(record) || !record.span || returnedSpans.has(record.span.start)) continue;
    if (record.span.file !== context.source.file) continue;
    const name = stringText(record.fields.get("name"));
    const label = name !== undefined ? `'${abbreviate(name)}' ` : "";
    const head = context.forms.find((f) => f.span.start === record.span!.start)?.headSpan ?? record.span;
    context.report(
      "unused-machine",
      head,
      `build-machine ${label}is built but not in the list the file returns, so Guix never uses it (fine if it is only a template for inherit)`,
    );
  }
}
