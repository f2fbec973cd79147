import assert from "node:assert/strict";
import { test } from "node:test";
import { SourceText, Span } from "../../grammar/source.ts";
import { SeededRandom } from "../../test/helpers/seeded-random.ts";
import type { TextEdit } from "./diagnostic.ts";
import { deleteSpanEdit } from "./text-edits.ts";

/** deleteSpanEdit as it was first written, looking at the whole line: the reference the faster one must agree with. */
function byWholeLine(source: SourceText, span: Span): TextEdit {
  const text = source.text;
  let lineStart = span.start;
  while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
  let lineEnd = span.end;
  while (lineEnd < text.length && text[lineEnd] !== "\n") lineEnd++;
  const before = text.slice(lineStart, span.start);
  const after = text.slice(span.end, lineEnd);
  if (/^[ \t]*$/.test(before) && /^[ \t\r]*$/.test(after) && lineEnd < text.length) return { start: lineStart, end: lineEnd + 1, text: "" };
  let start = span.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  if (start === lineStart) return { start: span.start, end: span.end, text: "" };
  return { start, end: span.end, text: "" };
}

test("the documented examples hold", () => {
  const alone = new SourceText("m.scm", '(build-machine\n  (system "x")\n  (user "u"))');
  assert.deepEqual(deleteSpanEdit(alone, new Span(alone, 17, 29)), { start: 15, end: 30, text: "" });
  const inline = new SourceText("m.scm", '(build-machine (system "x") (user "u"))');
  assert.deepEqual(deleteSpanEdit(inline, new Span(inline, 15, 27)), { start: 14, end: 27, text: "" });
});

test("the same edits as looking at the whole line, on random layouts", () => {
  const pieces = ["(a)", " ", "\t", "\n", "\r\n", "x", ";c"];
  const random = new SeededRandom(3);
  const next = (n: number) => random.int(0, n - 1);
  for (let i = 0; i < 5_000; i++) {
    const text = Array.from({ length: 1 + next(10) }, () => pieces[next(pieces.length)]!).join("");
    const source = new SourceText("m.scm", text);
    const start = next(text.length + 1);
    const span = new Span(source, start, start + next(text.length - start + 1));
    assert.deepEqual(deleteSpanEdit(source, span), byWholeLine(source, span), JSON.stringify([text, span.start, span.end]));
  }
});

test("thousands of deletions on one long line each look only at the blanks around them", () => {
  // 5,000 duplicate machines written on one line once took seconds here (each edit scanned the line).
  const text = "(x) ".repeat(100_000);
  const source = new SourceText("m.scm", text);
  for (let i = 0; i < 5_000; i++) {
    const start = 4 * (i * 17 + 1);
    assert.deepEqual(deleteSpanEdit(source, new Span(source, start, start + 3)), { start: start - 1, end: start + 3, text: "" });
  }
});
