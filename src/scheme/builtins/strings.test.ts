import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";

test("the documented examples hold", () => {
  assert.equal(run('(string-append "x86_64" "-linux")'), '"x86_64-linux"');
  assert.equal(run('(string-map char-upcase "ab")'), '"AB"');
});

test("strings by code point, searching, splitting, joining, padding, case", () => {
  assert.equal(run('(list (string-length "λx") (substring "hello" 1 3) (string-index "abc" #\\c) (string-contains "x86_64" "_"))'), '(2 "el" 2 3)');
  assert.equal(
    run('(list (string-split "a:b:c" #\\:) (string-join (list "a" "b") ", ") (string-pad "7" 3 #\\0) (string-upcase "ab"))'),
    '(("a" "b" "c") "a, b" "007" "AB")',
  );
  assert.equal(
    run('(list (string-take "abc" 2) (string-drop-right "abc" 1) (string-tokenize " a  b ") (string-prefix? "x86" "x86_64"))'),
    '("ab" "ab" ("a" "b") #t)',
  );
  assert.equal(
    run('(list (symbol->string \'a) (string->symbol "b") (string->number "ff" 16) (number->string 10 2) ((symbol-prefix-proc \'p:) \'x))'),
    '("a" b 255 "1010" p:x)',
  );
  assert.equal(run('(list (object->string (list 1 "a")) (object->string "a" display))'), '("(1 \\"a\\")" "a")');
  assert.equal(failure("(string-length 5)").code, "wrong-type-arg");
});
