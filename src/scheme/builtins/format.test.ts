import assert from "node:assert/strict";
import { test } from "node:test";
import { failure, run } from "../../../test/differential/scheme-support.ts";
import { Flonum, list, schemeString } from "../values.ts";
import { formatDirectives, simpleFormat } from "./format.ts";

test("the documented examples hold", () => {
  assert.equal(formatDirectives("~2,'0d:~2,'0d", [5, 7]), "05:07");
  assert.equal(formatDirectives("~{~a~^, ~}", [list(1, 2)]), "1, 2");
  assert.equal(formatDirectives("~,2f", [new Flonum(2.675)]), "2.68");
  assert.equal(formatDirectives("~a has ~d machines", [schemeString("farm"), 2]), "farm has 2 machines");
});

test("padding, numbers in every radix, floats rounded on their decimal digits, iteration, conditionals", () => {
  assert.equal(formatDirectives("~8a|~8@a|~5,,,'-a|", [schemeString("ab"), schemeString("ab"), schemeString("ab")]), "ab      |      ab|ab---|");
  assert.equal(formatDirectives("~:d|~@d|~x|~b|~o|~3r", [1234567, 5, 255, 5, 8, 10]), "1,234,567|+5|ff|101|10|101");
  assert.equal(
    formatDirectives("~,1f|~,2f|~,0f|~f|~8,3f", [new Flonum(0.05), new Flonum(-0.001), new Flonum(2.5), 100, new Flonum(2.5)]),
    "0.1|-0.00|3.|100.0|   2.500",
  );
  assert.equal(formatDirectives("~[zero~;one~:;many~]|~:[no~;yes~]|~@[x=~a~]", [7, true, 5]), "many|yes|x=5");
  assert.equal(formatDirectives("~:{~a~a ~}|~@{~a~}", [list(list(3, 4)), 1, 2]), "34 |12");
});

test("simple-format knows only ~a ~s ~% ~~; format's destinations; Guile's errors", () => {
  assert.equal(simpleFormat("~a ~s~%~~", [1, schemeString("x")]), '1 "x"\n~');
  assert.throws(() => simpleFormat("~d", [1]), /unsupported format option ~d/);
  assert.equal(run('(with-output-to-string (lambda () (format #t "~a" \'printed)))'), '"printed"');
  assert.equal(failure('(format #f "~a ~a" 1)').code, "misc-error");
  assert.equal(failure('(format #f "~d" 1.5)').code, "misc-error");
  assert.equal(failure('(format "x~a" 1)').code, "misc-error");
});
