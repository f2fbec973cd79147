import assert from "node:assert/strict";
import { test } from "node:test";
import { readSource } from "../../grammar/reader.ts";
import { SourceText } from "../../grammar/source.ts";
import { createInterpreter } from "./interpreter.ts";
import { writeString } from "./printer.ts";
import { defineRecordType, firstViolationError, parseConstructorForm, RECORD_ERROR_CODES, type RecordFieldSpec } from "./records.ts";
import { Pair } from "./values.ts";

/** Fields shaped like build-machine's, enough for every rule. */
const FIELDS: RecordFieldSpec[] = [
  { name: "name" },
  { name: "port", default: () => 22 },
  { name: "systems", default: () => false },
  { name: "user" },
  { name: "host-key" },
  { name: "location", innate: true, default: () => false },
];
const spec = { fields: FIELDS };

function form(text: string): Pair {
  const [read] = readSource(new SourceText("m.scm", text));
  assert.ok(read!.datum instanceof Pair);
  return read!.datum;
}

const at = (span: { line: number; column: number } | undefined) => (span ? `${span.line}:${span.column}` : "none");

test("the documented examples hold", () => {
  const duplicated = form(`(build-machine (name "a") (name "b") (sytems '()))`);
  const parsed = parseConstructorForm(spec, duplicated);
  assert.deepEqual(
    parsed.violations.map((v) => v.code),
    ["duplicate-field-initializer", "extraneous-field-initializers", "missing-field-initializers"],
  );
  assert.equal(firstViolationError(spec, duplicated, parsed)?.code, "duplicate-field-initializer");
  const point = defineRecordType({ typeName: "point", constructorName: "point", fields: [{ name: "x" }, { name: "y", default: () => 0 }] });
  const interpreter = createInterpreter({ extend: (table) => table.bind("point", point.constructor) });
  const record = interpreter.evalString("(point (x 1))");
  assert.equal(writeString(point.accessor("y").fn([record], interpreter.evaluator)), "0");
});

test("every violation of a form is found, each with the exact span of what is wrong", () => {
  const text = `(build-machine
  name
  (port)
  (name "a")
  (user "u")
  (name "b")
  (sytems '())
  (speed 2)
  . tail)`;
  const { violations, clauses } = parseConstructorForm(spec, form(text));
  assert.deepEqual(
    violations.map((v) => [v.code, at(v.span)]),
    [
      ["invalid-field-specifier", "2:3"],
      ["invalid-field-specifier", "3:3"],
      ["invalid-field-specifier", "1:1"],
      ["duplicate-field-initializer", "6:3"],
      ["extraneous-field-initializers", "7:3"],
      ["extraneous-field-initializers", "8:3"],
      ["missing-field-initializers", "1:2"],
    ],
  );
  const missing = violations.at(-1)!;
  assert.ok(missing.code === "missing-field-initializers");
  assert.deepEqual(missing.fields, ["host-key"]);
  assert.deepEqual(
    clauses.map((c) => [c.field, at(c.nameSpan), at(c.valueSpan)]),
    [
      ["name", "4:4", "4:9"],
      ["user", "5:4", "5:9"],
      ["name", "6:4", "6:9"],
      ["sytems", "7:4", "7:11"],
      ["speed", "8:4", "8:10"],
    ],
  );
});

test("the evaluator raises what Guix raises: the first kind of check that fails, located as Guile locates it", () => {
  const cases: Array<[string, string, string, string]> = [
    ["(build-machine name (user))", "invalid-field-specifier", "invalid field specifier name", "1:1"],
    ['(build-machine (name "a") (user))', "invalid-field-specifier", "invalid field specifier (user)", "1:27"],
    ['(build-machine (name "a") . x)', "invalid-field-specifier", "invalid field specifier (improper list)", "1:1"],
    ['(build-machine (name "a") (user "u") (name "b") (sytem 1))', "duplicate-field-initializer", "duplicate field initializer name", "1:38"],
    [
      '(build-machine (name "a") (usr "u") (hots-key "k"))',
      "extraneous-field-initializers",
      "extraneous field initializers (usr hots-key) (did you mean user, host-key?)",
      "1:1",
    ],
    ['(build-machine (host-key "k"))', "missing-field-initializers", "missing field initializers (name user)", "1:1"],
  ];
  for (const [text, code, message, where] of cases) {
    const f = form(text);
    const error = firstViolationError(spec, f, parseConstructorForm(spec, f));
    assert.equal(error?.code, code, text);
    assert.equal(error?.message, message, text);
    assert.equal(at(error?.span), where, text);
  }
});

test("(location #f) and other innate fields may be given, as Guix allows; after inherit duplicates and missing fields are fine", () => {
  assert.deepEqual(parseConstructorForm(spec, form(`(build-machine (name "a") (user "u") (host-key "k") (location #f))`)).violations, []);
  const inherited = parseConstructorForm(spec, form(`(build-machine (inherit base) (name "a") (name "b") (location #f))`));
  assert.deepEqual(inherited.violations, []);
  assert.equal(inherited.inherit?.field, "inherit");
  assert.deepEqual(
    inherited.clauses.map((c) => c.field),
    ["name", "name", "location"],
  );
  const late = parseConstructorForm(spec, form(`(build-machine (name "a") (inherit base) (user "u") (host-key "k"))`));
  assert.deepEqual(
    late.violations.map((v) => v.code),
    ["extraneous-field-initializers"],
    "inherit is only special as the first clause",
  );
  assert.deepEqual(RECORD_ERROR_CODES, [
    "invalid-field-specifier",
    "duplicate-field-initializer",
    "extraneous-field-initializers",
    "missing-field-initializers",
  ]);
});

test("construction: clauses bind like let*, defaults fill the rest, inherit copies all but innate fields", () => {
  const machine = defineRecordType({ typeName: "m", constructorName: "m", fields: FIELDS });
  const interpreter = createInterpreter({ extend: (table) => table.bind("m", machine.constructor) });
  const get = (field: string, value: unknown) => writeString(machine.accessor(field).fn([value as Pair], interpreter.evaluator));
  const base = interpreter.evalString(`(define base (m (name "a") (user name) (host-key "k") (location 'here))) base`);
  assert.equal(get("user", base), '"a"');
  assert.equal(get("port", base), "22");
  assert.equal(get("location", base), "here");
  const copy = interpreter.evalString(`(m (inherit base) (port 2222))`);
  assert.equal(get("name", copy), '"a"');
  assert.equal(get("port", copy), "2222");
  assert.equal(get("location", copy), "#f", "innate fields get their default again");
});

test("an unbound variable in a field is located at the variable itself", () => {
  const machine = defineRecordType({ typeName: "m", constructorName: "m", fields: FIELDS });
  const interpreter = createInterpreter({ extend: (table) => table.bind("m", machine.constructor) });
  assert.throws(
    () => interpreter.evalString(`(m (name (string-append "a" "b"))\n   (user %user)\n   (host-key "k"))`, "f.scm"),
    (e: unknown) => e instanceof Error && "location" in e && at((e as { location: { line: number; column: number } }).location) === "2:10",
  );
});
