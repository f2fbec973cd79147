/**
 * Building edits that keep the layout around them: deleting a clause with
 * the whitespace (or whole line) it leaves behind.
 *
 * @example
 * deleteSpanEdit(source, clause.span); // removes "  (system \"x\")\n" when alone on its line
 */
import type { SourceText, Span } from "../../grammar/source.ts";
import type { TextEdit } from "./diagnostic.ts";

/**
 * Deletes `span`. When it is alone on its line (only whitespace, or a trailing
 * comment, around it) the whole line goes; otherwise the whitespace before it goes too.
 *
 * @example
 * deleteSpanEdit(source, span); // { start: 6, end: 21, text: "" } for the (system "x") of '(list (system "x"))'
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
