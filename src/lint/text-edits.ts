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
  // Only the blanks around the span are looked at, never the whole line (thousands of edits on one long line stay linear).
  let start = span.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  const aloneFromLineStart = start === 0 || text[start - 1] === "\n";
  let end = span.end;
  while (end < text.length && (text[end] === " " || text[end] === "\t" || text[end] === "\r")) end++;
  const aloneToLineEnd = text[end] === "\n";
  if (aloneFromLineStart && aloneToLineEnd) return { start, end: end + 1, text: "" };
  if (aloneFromLineStart) return { start: span.start, end: span.end, text: "" };
  return { start, end: span.end, text: "" };
}
