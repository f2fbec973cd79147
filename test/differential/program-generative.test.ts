/**
 * Generative differential test of the evaluator: hundreds of random programs
 * (match patterns, syntax-rules macros, let-values/receive, format strings;
 * see program-generator.ts) print the same in Guile 3.0 and in our
 * interpreter, or fail with the same error code. The seed is random unless
 * OFFLOAD_GEN_SEED is set, and every failure says how to reproduce it.
 *
 * Run: node --import tsx --test test/differential/program-generative.test.ts
 *      OFFLOAD_GEN_SEED=1234 OFFLOAD_GEN_COUNT=2000 node --import tsx --test test/differential/program-generative.test.ts
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { defineBuildMachineModule, OFFLOAD_MODULE } from "../../src/machines/build-machine.ts";
import { SchemeError } from "../../src/scheme/errors.ts";
import { createInterpreter } from "../../src/scheme/interpreter.ts";
import { writeString } from "../../src/scheme/printer.ts";
import { guileEvaluateStrings, guileVisibleEnv, requireGuile } from "../helpers/guile.ts";
import { SeededRandom } from "../helpers/seeded-random.ts";
import { generateProgram } from "./program-generator.ts";

const SEED = process.env.OFFLOAD_GEN_SEED ? Number(process.env.OFFLOAD_GEN_SEED) : Math.floor(Math.random() * 2 ** 31);
const COUNT = process.env.OFFLOAD_GEN_COUNT ? Number(process.env.OFFLOAD_GEN_COUNT) : 400;
const ENV = { HOME: "/home/offload-test" };
const REPRODUCE = `reproduce with OFFLOAD_GEN_SEED=${SEED} OFFLOAD_GEN_COUNT=${COUNT} node --import tsx --test test/differential/program-generative.test.ts`;

/** Our result in eval.scm's form: the written value, or `#<error CODE>`. */
function ours(program: string): string {
  const env = guileVisibleEnv(ENV);
  const interpreter = createInterpreter({ env, defaultModules: [OFFLOAD_MODULE], extend: (table) => defineBuildMachineModule(table, { env }) });
  try {
    return writeString(interpreter.evalString(program, "<generated>"));
  } catch (error) {
    if (error instanceof SchemeError) return `#<error ${error.code}>`;
    throw error;
  }
}

describe(`generative: ${COUNT} random programs (seed ${SEED})`, () => {
  const programs: string[] = [];
  let guile: string[] = [];

  before(() => {
    requireGuile();
    const random = new SeededRandom(SEED);
    for (let i = 0; i < COUNT; i++) programs.push(generateProgram(random));
    guile = guileEvaluateStrings(programs, { env: ENV, timeoutMs: 120_000 });
  });

  it("most programs succeed in Guile (the generator writes mostly valid programs)", () => {
    const failed = guile.filter((g) => g.startsWith("#<error")).length;
    assert.ok(failed < COUNT / 4, `${failed} of ${COUNT} programs fail in Guile: a generator bug (${REPRODUCE})`);
  });

  it("every program prints the same, or fails with the same error code", () => {
    const failures = programs
      .map((program, i) => ({ program, guile: guile[i]!, ours: ours(program) }))
      .filter((c) => c.guile !== c.ours)
      .map((c) => `  ${c.program}\n      guile: ${c.guile}\n      ours:  ${c.ours}`);
    assert.equal(failures.length, 0, `${failures.length} of ${COUNT} programs differ (seed ${SEED}; ${REPRODUCE}):\n${failures.slice(0, 8).join("\n")}`);
  });
});
