/**
 * What the linter reports: a diagnostic names its rule, its severity, what is
 * wrong and what to do, the exact span, and optionally a safe fix made of
 * text edits.
 *
 * @example
 * import { lintText } from "./linter.ts";
 * const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6OlYeNOLEsGM6jwgO6qx/u7/AFvtXXz25zwuH/wWzF";
 * const [d] = lintText("m.scm", `(list (build-machine (name "a") (systems (list "x86_64-linux")) (user "u") (host-key "${key}")\n  (port 70000)))`).diagnostics;
 * d; // { rule: "port-range", severity: "error", message: "port 70000 is outside 1–65535", fix: null }
 * d.span.text(); // "70000"
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
 * import { SourceText, Span } from "../../grammar/source.ts";
 * const source = new SourceText("m.scm", "(list\n  (build-machine (port 70000)))");
 * rangeOf({ rule: "port-range", severity: "error", message: "port 70000 is outside 1–65535", span: new Span(source, 29, 34), fix: null });
 * // { line: 2, column: 24, endLine: 2, endColumn: 29 }
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
 * import { lintText } from "./linter.ts";
 * countSeverities([lintText("a.scm", '(list (build-machine (name "a")))'), lintText("b.scm", "(list)")]); // { errorCount: 2, warningCount: 0, infoCount: 1 }
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

/** Sorts by position, then rule, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || a.rule.localeCompare(b.rule);
}
