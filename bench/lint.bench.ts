/**
 * Benchmark: linting a generated 10,000-machine file versus reading it
 * (loadMachines), printed side by side, on the same generated file as the read benchmark. Target: lint < 2× read.
 *
 * @example
 * // node --import tsx bench/lint.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { loadMachines } from "../src/machines/load.ts";
import { lintFile } from "../src/lint/linter.ts";
import { generateMachinesFile } from "./machines-file.ts";

const MACHINES = 10_000;
function best(runs: number, fn: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

const dir = mkdtempSync(`${tmpdir()}/lint-bench-`);
const file = `${dir}/machines.scm`;
let read: number;
let lint: number;
let problems = 0;
try {
  writeFileSync(file, generateMachinesFile(MACHINES));
  read = best(5, () => void loadMachines(file));
  lint = best(5, () => {
    problems = lintFile(file).diagnostics.length;
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ratio = lint / read;
console.log(`lint benchmark: ${MACHINES} machines`);
console.log(`  read (loadMachines)  ${read.toFixed(1).padStart(8)} ms`);
console.log(`  lint                 ${lint.toFixed(1).padStart(8)} ms   (${ratio.toFixed(2)}× read, target < 2×; ${problems} problems)`);
if (problems !== 0) console.log("  unexpected problems in the generated file");
if (ratio >= 2) process.exitCode = 1;
