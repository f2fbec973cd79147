/**
 * The `--format gcc` report: `FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, one
 * line per diagnostic, which editors (Emacs compile mode, Vim quickfix) parse.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * formatGcc([lintText("m.scm", '(list (build-machine (name "a") (system "x86_64-linux")\n  (user "u") (host-key "FIXME")))')]);
 * // "m.scm:1:33: warning: the 'system' field is deprecated (Guix warns on every build); write (systems (list \"x86_64-linux\")) [deprecated-system]\nm.scm:2:25: error: host-key \"FIXME\" contains a placeholder (a FIXME/TODO marker): fill in the real value [placeholder]\n"
 */
import { rangeOf, type FileReport } from "../diagnostic.ts";

/**
 * Each diagnostic on its own line. Info is printed as `note`, as GCC does.
 *
 * @example
 * import { lintText } from "../linter.ts";
 * // info is a note, as in GCC
 * formatGcc([lintText("m.scm", "(list)")]); // "m.scm:1:1: note: the file returns an empty list: no build machines, every build runs locally [no-machines]\n"
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
