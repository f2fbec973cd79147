/**
 * The `--format json` report:
 * `{"files": [{"file", "diagnostics": [{"rule", "severity", "message", "location", "fix"}]}], "errorCount", "warningCount"}`.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * const report = JSON.parse(formatJson([lintText("m.scm", '(build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "FIXME"))')]));
 * report.errorCount; // 2
 * report.files[0].diagnostics.map((d) => [d.rule, d.location]); // [["not-a-list", { line: 1, column: 1, endLine: 1, endColumn: 89 }], ["placeholder", { line: 1, column: 81, endLine: 1, endColumn: 86 }]]
 * report.files[0].diagnostics[0].fix.edits;
 * // [{ location: { line: 1, column: 1, endLine: 1, endColumn: 1 }, text: "(list " }, { location: { line: 1, column: 89, endLine: 1, endColumn: 89 }, text: ")" }]
 */
import { countSeverities, rangeOf, type FileReport, type Range } from "../diagnostic.ts";

/** A fix as JSON: what it does and each edit's range and replacement text. */
export interface JsonFix {
  description: string;
  edits: Array<{ location: Range; text: string }>;
}

export interface JsonDiagnostic {
  rule: string;
  severity: string;
  message: string;
  location: Range;
  fix: JsonFix | null;
}

export interface JsonReport {
  files: Array<{ file: string; diagnostics: JsonDiagnostic[] }>;
  errorCount: number;
  warningCount: number;
}

/**
 * The report as a JSON value.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * jsonReport([lintText("m.scm", "(list)")]).files;
 * // [{ file: "m.scm", diagnostics: [{ rule: "no-machines", severity: "info", message: "the file returns an empty list: no build machines, every build runs locally", location: { line: 1, column: 1, endLine: 1, endColumn: 7 }, fix: null }] }]
 */
export function jsonReport(reports: readonly FileReport[]): JsonReport {
  const { errorCount, warningCount } = countSeverities(reports);
  return {
    files: reports.map((report) => ({
      file: report.file,
      diagnostics: report.diagnostics.map((d) => ({
        rule: d.rule,
        severity: d.severity,
        message: d.message,
        location: rangeOf(d),
        fix: d.fix
          ? {
              description: d.fix.description,
              edits: d.fix.edits.map((e) => {
                const s = d.span.source.position(e.start);
                const t = d.span.source.position(e.end);
                return { location: { line: s.line, column: s.column, endLine: t.line, endColumn: t.column }, text: e.text };
              }),
            }
          : null,
      })),
    })),
    errorCount,
    warningCount,
  };
}

/**
 * The report as indented JSON text with a final newline.
 *
 * @example
 * JSON.parse(formatJson([])); // { files: [], errorCount: 0, warningCount: 0 }
 */
export function formatJson(reports: readonly FileReport[]): string {
  return `${JSON.stringify(jsonReport(reports), null, 2)}\n`;
}
