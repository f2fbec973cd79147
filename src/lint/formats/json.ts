/**
 * The `--format json` report:
 * `{"files": [{"file", "diagnostics": [{"rule", "severity", "message", "location", "fix"}]}], "errorCount", "warningCount"}`.
 *
 * @example
 * JSON.parse(formatJson(reports)).errorCount; // 2
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
 * jsonReport([lintFile("fixtures/lint/speed.scm")]).files[0].diagnostics[0].rule; // "speed"
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
