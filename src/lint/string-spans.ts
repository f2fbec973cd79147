/**
 * Spans inside a string literal: when the literal has no escapes, a
 * substring of its value maps to an exact range of the file.
 *
 * @example
 * import { SourceText, Span } from "../../grammar/source.ts";
 * const literal = new Span(new SourceText("m.scm", '(host-key "ssh-ed25519 AAAA")'), 10, 28);
 * innerSpan(literal, "ssh-ed25519 AAAA", 12, 4).text(); // "AAAA"
 */
import { Span } from "../../grammar/source.ts";

/**
 * The span of `value.slice(index, index + length)` inside the literal at `span`, or `span` itself.
 *
 * @example
 * import { SourceText, Span } from "../../grammar/source.ts";
 * // with an escape in the literal, offsets in the value are not offsets in the file
 * const literal = new Span(new SourceText("m.scm", '"a\\\\b"'), 0, 6);
 * innerSpan(literal, "a\\b", 2, 1) === literal; // true
 */
export function innerSpan(span: Span, value: string, index: number, length: number): Span {
  const text = span.text();
  if (text !== `"${value}"` || value.includes("\\")) return span;
  return new Span(span.source, span.start + 1 + index, span.start + 1 + index + length);
}
