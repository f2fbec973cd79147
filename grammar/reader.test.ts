import assert from "node:assert/strict";
import { test } from "node:test";
import { Char, Flonum, Keyword, Pair, Rational, SchemeString, Sym, listToArray, stringText, type Datum } from "./datum.ts";
import { decodeSource, readDatums, readSource, ReadError } from "./reader.ts";
import { SourceText } from "./source.ts";

const read = (text: string) => readSource(new SourceText("t.scm", text));
const one = (text: string): Datum => read(text)[0]!.datum;

function readError(text: string): ReadError {
  try {
    read(text);
  } catch (error) {
    assert.ok(error instanceof ReadError, `expected a ReadError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(text)} not to read`);
}

test("lists, dotted pairs, brackets and vectors", () => {
  const list = listToArray(one("(a [b] . ())"))!;
  assert.equal((list[0] as Sym).name, "a");
  const dotted = one("(a . b)") as Pair;
  assert.equal((dotted.cdr as Sym).name, "b");
  assert.deepEqual(one("#(1 2)"), [1, 2]);
  assert.equal(one("( . x)"), Sym.intern("x"), "Guile reads ( . x) as x");
});

test("numbers as Guile reads them", () => {
  assert.deepEqual(one("2."), new Flonum(2));
  assert.deepEqual(one(".5"), new Flonum(0.5));
  assert.deepEqual(one("1e3"), new Flonum(1000));
  assert.equal(one("-17"), -17);
  assert.deepEqual(one("6/4"), new Rational(3n, 2n));
  assert.equal(one("#xff"), 255);
  assert.equal(one("#b-101"), -5);
  assert.deepEqual(one("#e1.5"), new Rational(3n, 2n));
  assert.deepEqual(one("#i1/2"), new Flonum(0.5));
  assert.equal(one("123456789012345678901234567890"), 123456789012345678901234567890n);
  assert.ok(one("1+") instanceof Sym, "1+ is a symbol");
  assert.ok(one("...") instanceof Sym);
});

test("strings with Guile's escapes, raw newlines and UTF-8", () => {
  assert.equal(stringText(one(String.raw`"a\tb\n\\\"\x41\u03bb\U01F600"`)), 'a\tb\n\\"Aλ😀');
  assert.equal(stringText(one('"line1\nline2"')), "line1\nline2");
  assert.equal(stringText(one('"a\\\n  b"')), "a  b", "backslash-newline drops only the newline in Guile 3.0");
  assert.equal(stringText(one('"root@(none) …"')), "root@(none) …");
});

test('each string literal is an object of its own, as (eq? "a" "a") is #f in Guile', () => {
  const [first, second] = listToArray(one('("a" "a")'))!;
  assert.ok(first instanceof SchemeString && second instanceof SchemeString);
  assert.notEqual(first, second);
});

test("characters, booleans, keywords, quote forms and gexps", () => {
  assert.deepEqual(one("#\\a"), new Char(97));
  assert.deepEqual(one("#\\space"), new Char(32));
  assert.deepEqual(one("#\\x41"), new Char(65));
  assert.deepEqual(one("#\\("), new Char(40));
  assert.equal(one("#true"), true);
  assert.equal(one("#f"), false);
  assert.equal(one("#:use-module"), Keyword.intern("use-module"));
  assert.equal(((one("'x") as Pair).car as Sym).name, "quote");
  assert.equal(((one(",@x") as Pair).car as Sym).name, "unquote-splicing");
  assert.equal(((one("#~(a #$b)") as Pair).car as Sym).name, "gexp");
});

test("comments: line, nested block, datum comments and the script header", () => {
  const forms = read("#!/usr/bin/guile \\\n-s\n!#\n; c\n#| a #| nested |# b |#\n#;(skipped (x)) kept #; #; a b c");
  assert.deepEqual(
    forms.map((f) => (f.datum as Sym).name),
    ["kept", "c"],
  );
  assert.equal(one('(list #;(build-machine ")") 1)') instanceof Pair, true);
  assert.deepEqual(listToArray(one('(list #;(build-machine ")") 1)'))!.length, 2);
});

test("every datum has its exact position", () => {
  const [form] = read(';; header\n(list\n  (build-machine (name "a")))');
  assert.equal(form!.span.toString(), "t.scm:2:1");
  const inner = (form!.datum as Pair).cdr as Pair;
  assert.equal(inner.carSpan!.toString(), "t.scm:3:3");
  const range = inner.carSpan!.range();
  assert.deepEqual(range, { line: 3, column: 3, endLine: 3, endColumn: 29 });
  const [tabbed] = read("\t(x)");
  assert.equal(tabbed!.span.column, 9, "a tab advances to the next multiple of 8, as in Guile");
});

test("read errors say what and where", () => {
  const cases: Array<[string, RegExp, string]> = [
    ['(list\n  "abc', /unterminated string starting at 2:3/, "2:3"],
    ["(a))", /unexpected \) at 1:4/, "1:4"],
    ["(a]", /mismatched close paren \]/, "1:3"],
    ["(a\n (b c)", /unterminated list starting at 1:1: missing \)/, "1:1"],
    ["#| open", /unterminated #\| comment starting at 1:1/, "1:1"],
    ["(a . b c)", /expected \) to end the dotted list/, "1:8"],
    ['"\\q"', /invalid character in escape sequence/, "1:2"],
    ["#\\nosuchname", /unknown character name nosuchname/, "1:3"],
    ["#zz", /unknown # syntax: #zz/, "1:1"],
    ["'", /' at 1:1 needs a datum after it/, "1:1"],
    ["(a\u0001)", /unexpected character U\+0001/, "1:3"],
  ];
  for (const [text, message, where] of cases) {
    const error = readError(text);
    assert.equal(error.code, "read-error", text);
    assert.match(error.message, message, text);
    assert.equal(`${error.span.line}:${error.span.column}`, where, text);
  }
});

test("limits: deep nesting, huge files and binary garbage fail cleanly", () => {
  const deep = readError("(".repeat(100_000) + ")".repeat(100_000));
  assert.equal(deep.code, "limit-exceeded");
  assert.match(deep.message, /nested more than 256 deep/);
  const ok = readSource(new SourceText("t", "(".repeat(200) + ")".repeat(200)));
  const tooDeepForStack = (() => {
    try {
      readSource(new SourceText("t", "(".repeat(5000) + ")".repeat(5000)), { maxDepth: 100_000 });
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  assert.ok(tooDeepForStack instanceof ReadError && tooDeepForStack.code === "limit-exceeded", "stack exhaustion becomes a clean limit error");
  assert.equal(ok.length, 1);
  assert.throws(
    () => decodeSource("big", new Uint8Array(10), { maxBytes: 5 }),
    (e: unknown) => e instanceof ReadError && e.code === "limit-exceeded",
  );
  assert.throws(
    () => decodeSource("bin", Uint8Array.from([0x28, 0xff, 0xfe, 0x00, 0x29])),
    (e: unknown) => e instanceof ReadError && /invalid UTF-8 at byte 1/.test(e.message),
  );
});

test("a leading byte-order mark is skipped, as Guile's reader skips it: line 1's columns do not move", () => {
  const errorAt = (bytes: Uint8Array): string => {
    try {
      readSource(decodeSource("f", bytes));
      return "no error";
    } catch (e) {
      return e instanceof ReadError ? `${e.span.line}:${e.span.column}` : String(e);
    }
  };
  const text = Buffer.from("(a #q)");
  assert.equal(decodeSource("f", Uint8Array.from([0xef, 0xbb, 0xbf, ...text])).text, "(a #q)");
  assert.equal(errorAt(Uint8Array.from([0xef, 0xbb, 0xbf, ...text])), errorAt(text));
});

test("an early datum is returned before a later read error is raised", () => {
  const datums = readDatums(new SourceText("t", "(first) (second"));
  const first = datums.next();
  assert.equal(((first.value as { datum: Pair }).datum.car as Sym).name, "first");
  assert.throws(() => datums.next(), /unterminated list starting at 1:9/);
});

test("a huge token in a read error is quoted abbreviated", () => {
  for (const text of [`#<${"'".repeat(100_000)}`, `#\\${"q".repeat(100_000)}`, `(a . b ${"c".repeat(100_000)})`]) {
    try {
      readSource(new SourceText("m.scm", text));
      assert.fail(`${text.slice(0, 10)} read`);
    } catch (error) {
      assert.ok(error instanceof ReadError, String(error));
      assert.ok(error.message.length < 300, `${error.message.length} characters: ${error.message.slice(0, 80)}`);
    }
  }
});

test("an exact number too large to build is a located read error", () => {
  try {
    readSource(new SourceText("m.scm", "(list\n  #e1e99858182)"));
    assert.fail("read");
  } catch (error) {
    assert.ok(error instanceof ReadError);
    assert.deepEqual(
      [error.code, error.message, error.span.range().line, error.span.range().column],
      ["read-error", "exact number #e1e99858182 is too large (more than 4,000,000 bits)", 2, 3],
    );
  }
});
