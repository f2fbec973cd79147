import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLocation, locationOf, SourceText, Span } from "./source.ts";

test("the documented examples hold", () => {
  const src = new SourceText("a.scm", "(list\n  1)");
  assert.deepEqual(src.position(8), { line: 2, column: 3 });
  assert.equal(formatLocation({ file: "machines.scm", line: 3, column: 2 }), "machines.scm:3:2");
});

test("columns count code points and expand tabs to multiples of 8; spans give ranges and text", () => {
  const src = new SourceText("t.scm", "\t(a)\n😀 (b)\r\nlast");
  assert.equal(src.position(1).column, 9);
  assert.equal(src.position(src.text.indexOf("(b)")).column, 3);
  assert.equal(src.lineText(2), "😀 (b)");
  assert.equal(src.offsetOf(2, 3), src.text.indexOf("(b)"));
  const span = new Span(src, 1, 4);
  assert.equal(span.text(), "(a)");
  assert.equal(span.toString(), "t.scm:1:9");
  assert.deepEqual(span.range(), { line: 1, column: 9, endLine: 1, endColumn: 12 });
  assert.deepEqual(locationOf(span), { file: "t.scm", line: 1, column: 9 });
});
