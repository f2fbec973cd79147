import assert from "node:assert/strict";
import { test } from "node:test";
import { schemeLexer } from "./tokens.ts";

const images = (text: string) => schemeLexer.tokenize(text).tokens.map((t) => t.image);

test("the documented example holds", () => {
  assert.deepEqual(images('(list 1 "a")'), ["(", "list", "1", '"a"', ")"]);
});

test("comments and directives are skipped; prefixes, hash syntax and dots are their own tokens", () => {
  assert.deepEqual(images("; c\n#| a #| b |# |# #!fold-case x"), ["x"]);
  assert.deepEqual(images("'a `(,b ,@c) #~(#$d) #;e"), ["'", "a", "`", "(", ",", "b", ",@", "c", ")", "#~", "(", "#$", "d", ")", "#;", "e"]);
  assert.deepEqual(images("#(1) #vu8(2) #\\( #t #:key (a . b)"), ["#(", "1", ")", "#vu8(", "2", ")", "#\\(", "#t", "#:key", "(", "a", ".", "b", ")"]);
});

test("strings of several megabytes and unterminated strings are single tokens", () => {
  const big = `"${"x\\n".repeat(2_000_000)}"`;
  assert.equal(schemeLexer.tokenize(big).tokens.length, 1);
  const open = schemeLexer.tokenize('(a "no end').tokens;
  assert.equal(open.at(-1)?.tokenType.name, "UnterminatedString");
});
