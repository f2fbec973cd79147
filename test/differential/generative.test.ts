/**
 * Generative differential test: hundreds of random, well-formed machines
 * files (see machines-generator.ts) must read identically in Guile 3.0 and
 * in our implementation. The seed is random unless OFFLOAD_GEN_SEED is set,
 * and every failure message says how to reproduce it.
 *
 * Run: node --import tsx --test test/differential/generative.test.ts
 *      OFFLOAD_GEN_SEED=1234 OFFLOAD_GEN_COUNT=1000 node --import tsx --test test/differential/generative.test.ts
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { showReport } from "../../src/machines/report.ts";
import { guileShowReports, guileVisibleEnv, requireGuile, type Report } from "../helpers/guile.ts";
import { compareReports, formatDifferences, type AnyReport } from "./compare.ts";
import { SeededRandom } from "../helpers/seeded-random.ts";
import { generateMachinesFile } from "./machines-generator.ts";

const SEED = process.env.OFFLOAD_GEN_SEED ? Number(process.env.OFFLOAD_GEN_SEED) : Math.floor(Math.random() * 2 ** 31);
const COUNT = process.env.OFFLOAD_GEN_COUNT ? Number(process.env.OFFLOAD_GEN_COUNT) : 300;
const ENV = { HOME: "/home/offload-test" };
const REPRODUCE = `reproduce with OFFLOAD_GEN_SEED=${SEED} OFFLOAD_GEN_COUNT=${COUNT} node --import tsx --test test/differential/generative.test.ts`;

describe(`generative: ${COUNT} random machines files (seed ${SEED})`, () => {
  let directory = "";
  const files: { path: string; text: string }[] = [];
  let guile: Report[] = [];

  before(() => {
    requireGuile();
    directory = mkdtempSync(join(tmpdir(), "offload-generative-"));
    const random = new SeededRandom(SEED);
    for (let i = 0; i < COUNT; i++) {
      const path = join(directory, `machines-${String(i).padStart(4, "0")}.scm`);
      const text = generateMachinesFile(random, i);
      writeFileSync(path, text);
      files.push({ path, text });
    }
    guile = guileShowReports(
      files.map((f) => f.path),
      { env: ENV, timeoutMs: 120_000 },
    );
  });

  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("every generated file loads in Guile (the generator only writes well-formed files)", () => {
    const failed = guile.flatMap((report, i) => ("error" in report ? [`${report.error.code}: ${report.error.message}\n--- file ---\n${files[i]!.text}`] : []));
    assert.equal(failed.length, 0, `${failed.length} generated file(s) fail in Guile (a generator bug; ${REPRODUCE}):\n${failed.slice(0, 2).join("\n\n")}`);
  });

  it("our reports equal Guile's on every file", () => {
    const visible = guileVisibleEnv(ENV);
    const failures: string[] = [];
    files.forEach((file, i) => {
      const ours = showReport(file.path, { env: visible }) as unknown as AnyReport;
      const diffs = compareReports(guile[i]!, ours);
      if (diffs.length > 0) failures.push(`${formatDifferences(file.path, diffs, guile[i]!, ours)}\n--- file ---\n${file.text}`);
    });
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${COUNT} generated files read differently (seed ${SEED}; ${REPRODUCE}). The first ones:\n\n${failures.slice(0, 3).join("\n\n")}`,
    );
  });
});
