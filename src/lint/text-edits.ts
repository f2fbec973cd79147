/**
 * Building edits that keep the layout around them: deleting a clause with
 * the whitespace (or whole line) it leaves behind.
 *
 * @example
 * import { SourceText, Span } from "../../grammar/source.ts";
 * // a clause alone on its line: the whole line goes
 * const source = new SourceText("m.scm", '(build-machine\n  (system "x")\n  (user "u"))');
 * deleteSpanEdit(source, new Span(source, 17, 29)); // { start: 15, end: 30, text: "" }
 */
import type { SourceText, Span } from "../../grammar/source.ts";
import type { TextEdit } from "./diagnostic.ts";

/**
 * Deletes `span`. When it is alone on its line (only whitespace, or a trailing
 * comment, around it) the whole line goes; otherwise the whitespace before it goes too.
 *
 * @example
 * import { SourceText, Span } from "../../grammar/source.ts";
 * // in the middle of a line: the clause and the space before it go
 * const source = new SourceText("m.scm", '(build-machine (system "x") (user "u"))');
 * deleteSpanEdit(source, new Span(source, 15, 27)); // { start: 14, end: 27, text: "" }
 */
export function deleteSpanEdit(source: SourceText, span: Span): TextEdit {
  const text = source.text;
  let lineStart = span.start;
  while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
  let lineEnd = span.end;
  while (lineEnd < text.length && text[lineEnd] !== "\n") lineEnd++;
  const before = text.slice(lineStart, span.start);
  const after = text.slice(span.end, lineEnd);
  if (/^[ \t]*$/.test(before) && /^[ \t\r]*$/.test(after) && lineEnd < text.length) {
    return { start: lineStart, end: lineEnd + 1, text: "" };
  }
  let start = span.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  if (start === lineStart) return { start: span.start, end: span.end, text: "" };
  return { start, end: span.end, text: "" };
}
