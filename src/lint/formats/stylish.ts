/**
 * The default `stylish` report: diagnostics grouped by file, each with a
 * code frame that underlines its exact span, then a summary line. Colours
 * come from the chalk instance passed in (none when not on a TTY).
 *
 * @example
 * import { Chalk } from "chalk";
 * import { lintText } from "../linter.ts";
 * formatStylish([lintText("m.scm", '(list (build-machine (name "a") (systems (list "x86_64-linux"))\n  (user "u") (host-key "FIXME")))')], new Chalk({ level: 0 })).split("\n");
 * // ["m.scm", '  2:25  error  host-key "FIXME" contains a placeholder (a FIXME/TODO marker): fill in the real value  placeholder', '    2 |   (user "u") (host-key "FIXME")))', "      |                         ^^^^^", "", "✖ 1 problem (1 error, 0 warnings, 0 info)", ""]
 */
import type { ChalkInstance } from "chalk";
import { countSeverities, rangeOf, type Diagnostic, type FileReport } from "../diagnostic.ts";

/**
 * Renders every file's diagnostics and the summary ("" when there are none).
 *
 * @example
 * import { Chalk } from "chalk";
 * formatStylish([{ file: "m.scm", text: "(list)", diagnostics: [] }], new Chalk({ level: 0 })); // ""
 */
export function formatStylish(reports: readonly FileReport[], colors: ChalkInstance): string {
  let out = "";
  for (const report of reports) {
    if (report.diagnostics.length === 0) continue;
    out += `${colors.underline(report.file)}\n`;
    for (const d of report.diagnostics) out += formatOne(d, colors);
    out += "\n";
  }
  const { errorCount, warningCount, infoCount } = countSeverities(reports);
  const total = errorCount + warningCount + infoCount;
  if (total === 0) return out;
  const fixable = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.fix).length, 0);
  const paint = errorCount > 0 ? colors.red.bold : warningCount > 0 ? colors.yellow.bold : colors.blue.bold;
  out += paint(`✖ ${plural(total, "problem")} (${plural(errorCount, "error")}, ${plural(warningCount, "warning")}, ${infoCount} info)`) + "\n";
  if (fixable > 0) out += colors.dim(`  ${plural(fixable, "problem")} can be fixed with --fix (preview with --fix-dry-run)`) + "\n";
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function formatOne(d: Diagnostic, colors: ChalkInstance): string {
  const range = rangeOf(d);
  const severity = d.severity === "error" ? colors.red("error") : d.severity === "warning" ? colors.yellow("warning") : colors.blue("info");
  let out = `  ${colors.dim(`${range.line}:${range.column}`)}  ${severity}  ${d.message}  ${colors.dim(d.rule)}${d.fix ? colors.dim(" (fixable)") : ""}\n`;
  out += codeFrame(d, colors);
  return out;
}

/** The source line(s) of the span with `^^^` under the exact columns. */
function codeFrame(d: Diagnostic, colors: ChalkInstance): string {
  const range = rangeOf(d);
  const source = d.span.source;
  if (source.text === "") return "";
  const lastLine = Math.min(range.endLine, range.line + 2);
  const width = String(lastLine).length;
  let out = "";
  for (let line = range.line; line <= lastLine; line++) {
    const text = source.lineText(line).replace(/\t/g, " ");
    const chars = [...text];
    const from = line === range.line ? range.column : 1 + (chars.length - [...text.trimStart()].length);
    const to = line === range.endLine ? range.endColumn : chars.length + 1;
    out += `    ${colors.dim(`${String(line).padStart(width)} |`)} ${text}\n`;
    const marks = Math.max(1, to - from);
    out += `    ${" ".repeat(width)} ${colors.dim("|")} ${" ".repeat(Math.max(0, from - 1))}${colors.red("^".repeat(marks))}\n`;
  }
  if (range.endLine > lastLine) out += `    ${" ".repeat(width)} ${colors.dim("|")} ${colors.dim("...")}\n`;
  return out;
}
