/**
 * The `--format gcc` report: `FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, one
 * line per diagnostic, which editors (Emacs compile mode, Vim quickfix) parse.
 *
 * @example
 * formatGcc(reports); // "machines.scm:3:8: warning: the 'system' field is deprecated ... [deprecated-system]\n"
 */
import { rangeOf, type FileReport } from "../diagnostic.ts";

/**
 * Each diagnostic on its own line. Info is printed as `note`, as GCC does.
 *
 * @example
 * formatGcc([lintFile("fixtures/lint/speed.scm")]).split("\n")[0]; // "fixtures/lint/speed.scm:6:15: error: speed 0 must be greater than 0 … [speed]"
 */
export function formatGcc(reports: readonly FileReport[]): string {
  let out = "";
  for (const report of reports) {
    for (const d of report.diagnostics) {
      const { line, column } = rangeOf(d);
      const severity = d.severity === "info" ? "note" : d.severity;
      out += `${d.span.file}:${line}:${column}: ${severity}: ${d.message.replace(/\n/g, " ")} [${d.rule}]\n`;
    }
  }
  return out;
}
