/**
 * Differential test: every expression of fixtures/eval/expressions.scm and
 * fixtures/eval/idioms.scm is evaluated by Guile 3.0 and by our interpreter,
 * each on its own in a fresh environment that sees `(guix scripts offload)`;
 * our `write` output must equal Guile's exactly. For fixtures/eval/errors.scm
 * and idiom-errors.scm, both must fail with the same error code.
 *
 * Guile splits the files into expressions (it reports the byte range of
 * each datum), so both sides see exactly the same text.
 *
 * Run: node --import tsx --test test/differential/eval.test.ts
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, describe, it } from "node:test";
import { defineBuildMachineModule, OFFLOAD_MODULE } from "../../src/machines/build-machine.ts";
import { SchemeError } from "../../src/scheme/errors.ts";
import { createInterpreter } from "../../src/scheme/interpreter.ts";
import { writeString } from "../../src/scheme/printer.ts";
import { guileEvaluateFile, guileVisibleEnv, REPO_ROOT, requireGuile, type GuileEvaluation } from "../helpers/guile.ts";

/** What `getenv` sees on both sides; OFFLOAD_TEST_UNSET_VARIABLE is deliberately absent. */
const ENV = { HOME: "/home/offload-test" };
const VISIBLE_ENV = guileVisibleEnv(ENV);

const EXPRESSION_FILES: ReadonlyArray<{ file: string; minimum: number }> = [
  { file: join(REPO_ROOT, "fixtures", "eval", "expressions.scm"), minimum: 300 },
  // Real-world idioms (issue 10): match, macros, modules, exceptions, format, ports, ...
  { file: join(REPO_ROOT, "fixtures", "eval", "idioms.scm"), minimum: 300 },
];
const ERROR_FILES = [join(REPO_ROOT, "fixtures", "eval", "errors.scm"), join(REPO_ROOT, "fixtures", "eval", "idiom-errors.scm")];

/** Our value of `source`, written, or `#<error CODE>`. */
function ourResult(source: string, file: string): string {
  const interpreter = createInterpreter({
    env: VISIBLE_ENV,
    file,
    defaultModules: [OFFLOAD_MODULE],
    extend: (table) => defineBuildMachineModule(table, { env: VISIBLE_ENV }),
  });
  try {
    return writeString(interpreter.evalString(source, file));
  } catch (error) {
    if (error instanceof SchemeError) return `#<error ${error.code}: ${error.message}>`;
    throw error;
  }
}

/** The expressions of `file` as Guile split them: source text (leading comments included) and result. */
function expressionsOf(file: string, evaluations: readonly GuileEvaluation[]): { source: string; label: string; guile: GuileEvaluation }[] {
  const bytes = readFileSync(file);
  return evaluations.map((guile) => {
    const source = bytes.subarray(guile.start, guile.end).toString("utf8");
    const lines = source.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith(";"));
    const text = lines.join(" ").trim();
    const label = text.length > 90 ? `${text.slice(0, 87)}...` : text;
    return { source, label, guile };
  });
}

for (const { file, minimum } of EXPRESSION_FILES) {
  describe(`eval: our write output equals Guile's (${basename(file)})`, () => {
    let cases: ReturnType<typeof expressionsOf> = [];
    before(() => {
      requireGuile();
      cases = expressionsOf(file, guileEvaluateFile(file, { env: ENV }));
    });

    it(`has at least ${minimum} expressions, all of which Guile evaluates`, () => {
      assert.ok(cases.length >= minimum, `only ${cases.length} expressions`);
      const failing = cases.filter((c) => c.guile.error !== undefined).map((c) => `${c.label} -> ${c.guile.error}`);
      assert.deepEqual(failing, [], `${basename(file)} must only hold expressions Guile evaluates; move failing ones to an errors file`);
    });

    it("every expression prints the same", () => {
      const mismatches = cases
        .map((c) => ({ ...c, ours: ourResult(c.source, file) }))
        .filter((c) => c.ours !== c.guile.value)
        .map((c) => `  ${c.label}\n      guile: ${c.guile.value}\n      ours:  ${c.ours}`);
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} expressions print differently:\n${mismatches.join("\n")}`);
    });
  });
}

for (const file of ERROR_FILES) {
  describe(`eval: failing expressions fail with Guile's error code (${basename(file)})`, () => {
    let cases: ReturnType<typeof expressionsOf> = [];
    before(() => {
      requireGuile();
      cases = expressionsOf(file, guileEvaluateFile(file, { env: ENV }));
    });

    it("every expression fails in Guile", () => {
      const succeeding = cases.filter((c) => c.guile.error === undefined).map((c) => `${c.label} -> ${c.guile.value}`);
      assert.deepEqual(succeeding, [], `${basename(file)} must only hold expressions that fail in Guile`);
    });

    it("every failure has the same code", () => {
      const mismatches = cases
        .map((c) => ({ ...c, ours: ourResult(c.source, file) }))
        .filter((c) => !c.ours.startsWith(`#<error ${c.guile.error}:`))
        .map((c) => `  ${c.label}\n      guile: #<error ${c.guile.error}>\n      ours:  ${c.ours}`);
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${cases.length} failures differ:\n${mismatches.join("\n")}`);
    });
  });
}
