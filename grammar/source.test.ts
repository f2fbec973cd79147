import assert from "node:assert/strict";
import { test } from "node:test";
import { SeededRandom } from "../test/helpers/seeded-random.ts";
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

test("positions on long lines count from marks: the same columns as counting from the line's start", () => {
  // Tabs, surrogate pairs and newlines at random in lines far longer than the marks' spacing.
  const pieces = ["a", "\t", "λ", "😀", " ", "\n", "xyz"];
  const random = new SeededRandom(7);
  const next = (n: number) => random.int(0, n - 1);
  const text = Array.from({ length: 20_000 }, () => (next(50) === 0 ? "\n" : pieces[next(pieces.length - 1)]!)).join("");
  const naive = (offset: number) => {
    const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
    let column = 0;
    for (let i = lineStart; i < offset; i++) {
      const code = text.charCodeAt(i);
      if (code === 9) column = (column | 7) + 1;
      else if (code < 0xdc00 || code > 0xdfff) column++;
    }
    return { line: text.slice(0, offset).split("\n").length, column: column + 1 };
  };
  const source = new SourceText("long.scm", text);
  for (let i = 0; i < 500; i++) {
    const offset = next(text.length + 1);
    assert.deepEqual(source.position(offset), naive(offset), `offset ${offset}`);
  }
  // And one line of 2 million characters, positions asked backwards: each costs at most a mark's spacing.
  const line = new SourceText("one.scm", "\tx".repeat(1_000_000));
  // After k "\tx" pairs the column is 8k + 2; after a further tab, 8(k + 1) + 1.
  const expected = (offset: number) => (offset % 2 === 0 ? 8 * (offset / 2) + 2 : 8 * ((offset - 1) / 2 + 1) + 1);
  for (let offset = 2_000_000; offset > 0; offset -= 99_999) assert.deepEqual(line.position(offset), { line: 1, column: expected(offset) }, `offset ${offset}`);
});
