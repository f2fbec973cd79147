// Reading benchmark (issues 2 and 10): our load time against Guile loading the
// same file with the stand-in record — a generated 10,000-machine file (the new
// forms must cost nothing when unused: at least 10x faster than Guile), the same
// machines written with match, macros, format and SRFI 1/26 (what they cost when
// used), examples/machines.scm — the reader's throughput, and the cold start of
// `offload show` beside node's own and Guile's, all in one run.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSource } from "../grammar/reader.ts";
import { SourceText } from "../grammar/source.ts";
import { loadMachines } from "../src/machines/load.ts";
import { generateIdiomsFile, generateMachinesFile } from "./machines-file.ts";
import { median } from "./median.ts";

function time(fn: () => void, runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function guileLoad(file: string): number {
  const start = performance.now();
  execFileSync("guile", ["--no-auto-compile", "-s", "test/guile/show.scm", file], { stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 30 });
  return performance.now() - start;
}

const dir = mkdtempSync(join(tmpdir(), "offload-bench-"));
const bigFile = join(dir, "machines-10000.scm");
writeFileSync(bigFile, generateMachinesFile(10_000));
const bytes = statSync(bigFile).size;
const idiomsFile = join(dir, "machines-idioms-1000.scm");
writeFileSync(idiomsFile, generateIdiomsFile(1_000));
const env = { HOME: "/root" };

const rows: string[][] = [["what", "offload (ms)", "guile (ms)", "ratio (guile/offload)"]];
for (const [label, file, runs] of [
  [`10,000 machines (${(bytes / 1e6).toFixed(1)} MB)`, bigFile, 3],
  ["1,000 machines with match, macros, format", idiomsFile, 5],
  ["examples/machines.scm", "examples/machines.scm", 20],
] as const) {
  loadMachines(file, { env });
  const ours = time(() => loadMachines(file, { env }), runs);
  const guile = median(Array.from({ length: label.startsWith("10,000") ? 1 : 3 }, () => guileLoad(file)));
  rows.push([label, ours.toFixed(1), guile.toFixed(1), `${(guile / ours).toFixed(1)}x`]);
}

const text = new SourceText(bigFile, generateMachinesFile(10_000));
readSource(text);
const readMs = time(() => readSource(new SourceText(bigFile, text.text)), 5);
const mbPerSecond = bytes / 1e6 / (readMs / 1000);

const cold: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  spawnSync("node", ["bin/offload", "show", "examples/machines.scm"], { stdio: "ignore" });
  cold.push(performance.now() - start);
}
const nodeBaseline: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  spawnSync("node", ["-e", "0"], { stdio: "ignore" });
  nodeBaseline.push(performance.now() - start);
}
const guileStart: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  spawnSync("guile", ["--no-auto-compile", "-s", "test/guile/show.scm", "examples/machines.scm"], { stdio: "ignore" });
  guileStart.push(performance.now() - start);
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log("\n== reading machines files ==");
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
console.log(`reader throughput: ${mbPerSecond.toFixed(1)} MB/s (target >= 10)   [${readMs.toFixed(0)} ms for ${(bytes / 1e6).toFixed(1)} MB]`);
console.log(
  `offload show cold start: ${median(cold).toFixed(0)} ms (target < 150)   node -e 0: ${median(nodeBaseline).toFixed(0)} ms   guile stand-in cold: ${median(guileStart).toFixed(0)} ms`,
);
const [, , , ratio] = rows[1]!;
const coldMs = median(cold);
console.log(
  `targets: 10,000-machine load >= 10x faster than Guile (${ratio}: ${Number.parseFloat(ratio!) >= 10 ? "met" : "NOT MET"}); show cold start < 150 ms (${coldMs.toFixed(0)} ms: ${coldMs < 150 ? "met" : "NOT MET"})`,
);
