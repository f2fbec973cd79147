/**
 * Spans inside a string literal: when the literal has no escapes, a
 * substring of its value maps to an exact range of the file.
 *
 * @example
 * innerSpan(valueSpan, "ssh-ed25519 AAAA", 12, 4); // just "AAAA"
 */
import { Span } from "../../grammar/source.ts";

/**
 * The span of `value.slice(index, index + length)` inside the literal at `span`, or `span` itself.
 *
 * @example
 * innerSpan(span, "a\\b", 0, 1) === span; // true: with an escape, offsets in the value are not offsets in the file
 */
export function innerSpan(span: Span, value: string, index: number, length: number): Span {
  const text = span.text();
  if (text !== `"${value}"` || value.includes("\\")) return span;
  return new Span(span.source, span.start + 1 + index, span.start + 1 + index + length);
}
