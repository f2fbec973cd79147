import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Chalk } from "chalk";
import { lintFile } from "../linter.ts";
import { formatGcc } from "./gcc.ts";
import { jsonReport } from "./json.ts";
import { sarifLog } from "./sarif.ts";
import { formatStylish } from "./stylish.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

/**
 * A minimal JSON Schema (draft-04) validator for the keywords the official SARIF 2.1.0
 * schema uses (fixtures/lint/sarif-schema-2.1.0.json is the OASIS schema as published,
 * 2.1.0-rtm.5, taken from the MIT-licensed @microsoft/jest-sarif package).
 */
function validate(value: Json, schema: Schema, root: Schema, path = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<Json>((node, key) => (node as Schema)[key]!, root);
    return validate(value, target as Schema, root, path);
  }
  const errors: string[] = [];
  const typeOf = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.some((t) => t === actual || (t === "number" && actual === "integer"))) return [`${path}: expected ${types.join("|")}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value as string)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum) errors.push(`${path}: below minimum`);
  if (typeof schema.maximum === "number" && typeof value === "number" && value > schema.maximum) errors.push(`${path}: above maximum`);
  if (typeof schema.pattern === "string" && typeof value === "string" && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: pattern`);
  if (schema.format === "uri" && typeof value === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(value)) errors.push(`${path}: not a URI`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: too few items`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: items not unique`);
    if (schema.items) value.forEach((item, i) => errors.push(...validate(item, schema.items as Schema, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const properties = (schema.properties ?? {}) as Schema;
    for (const key of (schema.required ?? []) as string[]) if (!(key in value)) errors.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(value)) {
      if (key in properties) errors.push(...validate(v, properties[key] as Schema, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
      else if (typeof schema.additionalProperties === "object" && schema.additionalProperties !== null) {
        errors.push(...validate(v, schema.additionalProperties as Schema, root, `${path}.${key}`));
      }
    }
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => validate(value, s as Schema, root, path).length === 0)) errors.push(`${path}: anyOf`);
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s) => validate(value, s as Schema, root, path).length === 0).length !== 1) {
    errors.push(`${path}: oneOf`);
  }
  return errors;
}

const schema = JSON.parse(readFileSync("fixtures/lint/sarif-schema-2.1.0.json", "utf8")) as Schema;
const reports = [
  "fixtures/lint/deprecated-system.scm",
  "fixtures/lint/several-errors.scm",
  "fixtures/lint/unused-machine.scm",
  "fixtures/lint/read-error.scm",
].map((f) => lintFile(f));

test("the validator rejects broken SARIF (so the next test can fail)", () => {
  assert.notDeepEqual(validate({ version: "2.0.0", runs: [{ tool: {} }] }, schema, schema), []);
  assert.notDeepEqual(
    validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: {}, level: "info" }] }] }, schema, schema),
    [],
  );
});

test("SARIF output is valid against the SARIF 2.1.0 schema", () => {
  const log = sarifLog(reports) as Json;
  assert.deepEqual(validate(log, schema, schema), []);
  const run = (
    log as { runs: Array<{ results: Array<{ ruleId: string; ruleIndex: number; fixes?: unknown[] }>; tool: { driver: { rules: Array<{ id: string }> } } }> }
  ).runs[0]!;
  for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
  assert.ok(run.results.some((r) => r.fixes));
});

test("JSON output has exactly the documented shape", () => {
  const json = jsonReport(reports);
  assert.deepEqual(Object.keys(json), ["files", "errorCount", "warningCount"]);
  const d = json.files[1]!.diagnostics[0]!;
  assert.deepEqual(Object.keys(d), ["rule", "severity", "message", "location", "fix"]);
  assert.deepEqual(d.location, { line: 6, column: 9, endLine: 6, endColumn: 15 });
  assert.equal(json.errorCount, 5);
  assert.equal(json.files[0]!.diagnostics[0]!.fix!.edits.length, 3);
});

test("gcc output: FILE:LINE:COL: SEVERITY: MESSAGE [RULE]", () => {
  const lines = formatGcc(reports).trim().split("\n");
  assert.match(lines[0]!, /^fixtures\/lint\/deprecated-system\.scm:4:8: warning: .* \[deprecated-system\]$/);
  assert.ok(lines.some((l) => /: note: .*\[unused-machine\]$/.test(l)));
});

test("stylish output: grouped by file, code frame underlining the span, summary", () => {
  const text = formatStylish(reports, new Chalk({ level: 0 }));
  assert.match(text, /^fixtures\/lint\/deprecated-system\.scm$/m);
  assert.match(text, / 23 \| {8}\(port 0\)\)\)\n {7}\| {14}\^\n/);
  assert.match(text, /✖ \d+ problems \(5 errors, \d+ warnings?, 1 info\)/);
  assert.match(text, /can be fixed with --fix/);
  assert.equal(formatStylish([lintFile("fixtures/lint/port-range.ok.scm")], new Chalk({ level: 0 })), "");
});
