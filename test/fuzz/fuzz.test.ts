// A 1,000-case seeded fuzz run (issue 15): mutations of the fixtures corpus,
// grammar-aware generated files and hostile templates through `show --json`
// and `lint --format json` — every case through the library in a host
// process, one case in 200 also through the CLI as processes — each checked
// for: exit 0 with JSON, or exit 1 with a JSON error carrying a known code
// and a location inside the file; no stack trace; never over the time or
// memory limit by more than the margin. A failing case is kept (see the
// message) with a command.sh that shows it. A long run: npm run fuzz.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { offloadCommand } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { formatSummary, runCampaign } from "./campaign.ts";
import { loadCorpus } from "./corpus.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CASES = 1_000;
const SEED = 15;

test(`${CASES} fuzz cases (seed ${SEED}) keep every property`, async () => {
  const summary = await runCampaign({
    seed: SEED,
    cases: CASES,
    processEvery: 200,
    hosts: 2,
    // The CLI from source, as every CLI test runs it (the built bundle may be older than the sources).
    processCommand: offloadCommand(),
    env: { ...process.env, NO_COLOR: "1", OFFLOAD_STATE_DIR: tempDir("fuzz-state-") },
    // Small limits keep the run short: hostile cases meet them quickly.
    // Margins: CPU time for start-up through tsx and the rules after the evaluation; memory for the runtime (tsx and the
    // reader are ~150 MiB resident before any file is read). The hang budget is wall-clock time, generous for a busy machine.
    limits: { maxSeconds: 1, maxMemory: 16 * 1024 * 1024, maxSteps: 250_000, timeMarginMs: 4000, hangMs: 30_000, memoryMarginBytes: 256 * 1024 * 1024 },
    corpus: loadCorpus(root),
    root,
    workDir: tempDir("fuzz-cases-"),
    // Kept where a developer finds them after a failing npm test; .scratch is not committed.
    failureDir: join(root, ".scratch", "fuzz-test"),
  });
  const report = formatSummary(summary);
  assert.equal(summary.cases, CASES);
  assert.deepEqual(
    summary.failures.map((f) => f.keptIn),
    [],
    report,
  );
  // Every kind of case was made, and the hostile ones met their limits rather than passing unnoticed.
  for (const kind of ["hostile:allocation-bomb", "hostile:cycle", "hostile:device", "hostile:fifo", "hostile:self-load", "mutation:truncate", "generated"]) {
    assert.ok((summary.byKind[kind]?.cases ?? 0) > 0, `no ${kind} case\n${report}`);
  }
  assert.ok((summary.byKind["hostile:allocation-bomb"]!.outcomes["show error:limit-exceeded"] ?? 0) > 0, report);
});
