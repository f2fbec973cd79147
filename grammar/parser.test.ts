import assert from "node:assert/strict";
import { test } from "node:test";
import { NIL, Pair, sym } from "./datum.ts";
import { DatumParser } from "./parser.ts";
import { SourceText } from "./source.ts";
import { schemeLexer } from "./tokens.ts";

test("the documented example holds: datums with their spans", () => {
  const text = "(a . b) 'c";
  const parser = new DatumParser();
  parser.input = schemeLexer.tokenize(text).tokens;
  parser.source = new SourceText("f.scm", text);
  const forms = parser.program();
  assert.equal(forms.length, 2);
  const dotted = forms[0]!.datum as Pair;
  assert.equal(dotted.car, sym("a"));
  assert.equal(dotted.cdr, sym("b"));
  assert.equal(forms[0]!.span.toString(), "f.scm:1:1");
  const quoted = forms[1]!.datum as Pair;
  assert.equal(quoted.car, sym("quote"));
  assert.equal((quoted.cdr as Pair).car, sym("c"));
  assert.equal((quoted.cdr as Pair).cdr, NIL);
  assert.equal(forms[1]!.span.toString(), "f.scm:1:9");
});
