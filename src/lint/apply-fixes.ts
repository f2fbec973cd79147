/**
 * Applies safe fixes to a file's text: non-overlapping fixes in one pass,
 * re-linting between passes (like ESLint) until nothing is left to fix.
 * Edits touch only the fixed spans, so comments and layout stay.
 *
 * @example
 * // one pass wraps the record in (list ...), the next rewrites (system ...):
 * const file = '(build-machine (name "a") (user "u") (host-key "ssh-ed25519 AAAA…") (system "x86_64-linux"))';
 * fixText("m.scm", file, {}); // { text: '(list (build-machine (name "a") (user "u") (host-key "ssh-ed25519 AAAA…") (systems (list "x86_64-linux"))))', fixed: 2 }
 */
import type { Diagnostic, TextEdit } from "./diagnostic.ts";
import { lintText, type LinterOptions } from "./linter.ts";

const MAX_PASSES = 10;

/** Applies every fix of `diagnostics` that does not overlap an earlier one. */
function applyFixes(text: string, diagnostics: readonly Diagnostic[]): { text: string; applied: number } {
  const accepted: TextEdit[] = [];
  let applied = 0;
  const fixes = diagnostics.filter((d) => d.fix && d.span.source.text === text).map((d) => d.fix!);
  fixes.sort((a, b) => Math.min(...a.edits.map((e) => e.start)) - Math.min(...b.edits.map((e) => e.start)));
  for (const fix of fixes) {
    if (fix.edits.some((e) => accepted.some((a) => overlaps(a, e)))) continue;
    accepted.push(...fix.edits);
    applied++;
  }
  accepted.sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of accepted) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return { text: result, applied };
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.start === a.end || b.start === b.end) return a.start <= b.end && b.start <= a.end && !(a.start === a.end && b.start === b.end && a.start !== b.start);
  return a.start < b.end && b.start < a.end;
}

/**
 * Lints and fixes `text` until stable; returns the new text and how many fixes were applied.
 *
 * @example
 * // comments and layout stay; only the fixed spans change
 * fixText("m.scm", '; farm\n(list (build-machine (name "a") (system "i686-linux") ; old\n (user "u") (host-key "ssh-ed25519 AAAA…")))', {}).text;
 * // '; farm\n(list (build-machine (name "a") (systems (list "i686-linux")) ; old\n (user "u") (host-key "ssh-ed25519 AAAA…")))'
 */
export function fixText(file: string, text: string, options: LinterOptions): { text: string; fixed: number } {
  let current = text;
  let fixed = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const report = lintText(file, current, options);
    const { text: next, applied } = applyFixes(current, report.diagnostics);
    if (applied === 0 || next === current) break;
    fixed += applied;
    current = next;
  }
  return { text: current, fixed };
}
