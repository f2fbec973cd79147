import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/helpers/temp-dir.ts";
import { createInterpreter } from "../scheme/interpreter.ts";
import { NIL, Pair, list, schemeString, sym } from "../scheme/values.ts";
import { SHOWN_FIELDS, showReport, toJson } from "./report.ts";

const dir = tempDir("offload-report-");

test("the documented examples hold", () => {
  assert.deepEqual(toJson(list(schemeString("x86_64-linux"))), ["x86_64-linux"]);
  assert.equal(toJson(sym("kvm")), "kvm");
  const file = join(dir, "m.scm");
  writeFileSync(file, '(list (build-machine (name "a") (user "u") (host-key "k") (systems (list "x86_64-linux"))))');
  const report = showReport(file, { env: {} });
  assert.ok("machines" in report);
  assert.deepEqual(Object.keys(report.machines[0]!), [...SHOWN_FIELDS, "location"]);
  assert.deepEqual(report.warnings, []);
});

test("JSON of odd values: circular lists and data nested deep become their written form", () => {
  const circular = new Pair(1, NIL);
  circular.cdr = circular;
  assert.equal(toJson(circular), "(1 . #0#)");
  let deep: Pair | typeof NIL = NIL;
  for (let i = 0; i < 1000; i++) deep = new Pair(deep, NIL);
  const json = JSON.stringify(toJson(deep));
  assert.ok(json.length > 0);
});

test("errors become the error object; warnings carry their optional keys", () => {
  const bad = join(dir, "bad.scm");
  writeFileSync(bad, '(build-machine (name "a"))');
  const failed = showReport(bad, { env: {} });
  assert.ok("error" in failed);
  assert.equal(failed.error.code, "missing-field-initializers");
  const typed = join(dir, "typed.scm");
  writeFileSync(typed, '(list (build-machine (name "a") (user "u") (host-key "k") (systems (list "x")) (port "22")))');
  const report = showReport(typed, { env: {} });
  assert.ok("warnings" in report);
  assert.deepEqual(
    report.warnings.map((w) => [w.code, w.field, w.machine, w.value]),
    [["wrong-field-type", "port", 0, '"22"']],
  );
});

test("a value nested a million deep is shown as the start of its write form, not whole", () => {
  const deep = createInterpreter().evalString("(let loop ((i 0) (l '())) (if (= i 1000000) l (loop (+ i 1) (list l))))");
  let json = toJson(deep);
  for (let depth = 0; Array.isArray(json); depth++) {
    assert.ok(depth <= 100, "lists nest at most 100 deep in JSON");
    json = json[0]!;
  }
  assert.equal(typeof json, "string");
  assert.equal((json as string).length, 100_000);
  assert.ok((json as string).startsWith("((((") && (json as string).endsWith("..."));
});
