/**
 * What the linter reports: a diagnostic names its rule, its severity, what is
 * wrong and what to do, the exact span, and optionally a safe fix made of
 * text edits.
 *
 * @example
 * const d: Diagnostic = { rule: "speed", severity: "error", message: "speed must be > 0", span, fix: null };
 * rangeOf(d); // { line: 3, column: 8, endLine: 3, endColumn: 10 }
 */
import type { Span } from "../../grammar/source.ts";
import type { RuleId } from "./registry.ts";

/** How bad a problem is. `off` only appears in configuration, never on a diagnostic. */
export type Severity = "error" | "warning" | "info";

/** A rule's configured level. */
export type RuleLevel = Severity | "off";

/** Replace `[start, end)` (UTF-16 offsets into the file's text) with `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** A safe fix: what it does, and the edits that do it. */
export interface Fix {
  description: string;
  edits: TextEdit[];
}

/** One problem found in a file. */
export interface Diagnostic {
  rule: RuleId;
  severity: Severity;
  message: string;
  span: Span;
  fix: Fix | null;
}

/** A 1-based range; the end is exclusive, as in editors. */
export interface Range {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * The 1-based range of a diagnostic's span.
 *
 * @example
 * rangeOf(diagnostic); // { line: 6, column: 14, endLine: 6, endColumn: 19 } for the 70000 of (port 70000) on line 6
 */
export function rangeOf(diagnostic: Diagnostic): Range {
  return diagnostic.span.range();
}

/** The diagnostics of one file, plus its text (for code frames and fixes). */
export interface FileReport {
  file: string;
  text: string;
  diagnostics: Diagnostic[];
}

/**
 * Counts by severity over several files.
 *
 * @example
 * countSeverities([lintFile("fixtures/lint/speed.scm")]); // { errorCount: 2, warningCount: 0, infoCount: 0 }
 */
export function countSeverities(reports: readonly FileReport[]): { errorCount: number; warningCount: number; infoCount: number } {
  let errorCount = 0;
  let warningCount = 0;
  let infoCount = 0;
  for (const report of reports) {
    for (const d of report.diagnostics) {
      if (d.severity === "error") errorCount++;
      else if (d.severity === "warning") warningCount++;
      else infoCount++;
    }
  }
  return { errorCount, warningCount, infoCount };
}

/**
 * Sorts by position, then rule, so output is stable.
 *
 * @example
 * diagnostics.sort(compareDiagnostics);
 */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || a.rule.localeCompare(b.rule);
}
