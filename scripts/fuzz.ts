// `npm run fuzz [-- --seconds N --seed S]`: hostile and damaged machines files
// through `offload show --json` and `offload lint --format json`, in this
// process (a worker calling the library) and, for every --process-every'th
// case, as processes of the built bin/offload; each run watched for time and
// memory. Cases are mutations of the fixtures corpus, grammar-aware generated
// files and hostile templates (test/fuzz/). Every failure is kept under --out
// (default .scratch/fuzz/) with a command.sh that shows it; the figures by
// kind and outcome are printed at the end. Exits 1 when anything failed.
//
//   npm run fuzz -- --seconds 600 --seed 7      a ten-minute run
//   npm run fuzz -- --seed 7 --case 1234        case 1234 of that run again
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatSummary, runCampaign } from "../test/fuzz/campaign.ts";
import { loadCorpus } from "../test/fuzz/corpus.ts";
import { tempDir } from "../test/helpers/temp-dir.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    seed: { type: "string" },
    cases: { type: "string" },
    case: { type: "string" },
    out: { type: "string", default: join(root, ".scratch", "fuzz") },
    "process-every": { type: "string", default: "10" },
    hosts: { type: "string", default: "2" },
    "max-seconds": { type: "string", default: "5" },
    "max-memory": { type: "string", default: String(64 * 1024 * 1024) },
    "max-steps": { type: "string", default: "5000000" },
    quiet: { type: "boolean", default: false },
  },
});

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const only = values.case === undefined ? undefined : Number(values.case);
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
console.log(`fuzz: seed ${seed}${only === undefined ? `, ${values.cases ?? `${values.seconds} s`}` : `, case ${only}`}; failures kept in ${values.out}`);

let shown = 0;
const summary = await runCampaign({
  seed,
  cases: values.cases === undefined ? undefined : Number(values.cases),
  seconds: values.cases === undefined && only === undefined ? Number(values.seconds) : undefined,
  only,
  processEvery: Number(values["process-every"]),
  hosts: Number(values.hosts),
  processCommand: [process.execPath, join(root, "bin", "offload")],
  env: { ...process.env, NO_COLOR: "1", OFFLOAD_STATE_DIR: tempDir("offload-fuzz-state-") },
  limits: {
    maxSeconds: Number(values["max-seconds"]),
    maxMemory: Number(values["max-memory"]),
    maxSteps: Number(values["max-steps"]),
    // CPU time for start-up and the lint rules after the evaluation.
    timeMarginMs: 3000,
    // A command still running after this much wall-clock time is hung (generous: the machine may be busy).
    hangMs: Math.max(30_000, 4 * (Number(values["max-seconds"]) * 1000 + 3000)),
    // The runtime itself (a Node process is ~60 MiB before any file is read), the datums, V8's own slack.
    memoryMarginBytes: 192 * 1024 * 1024,
  },
  corpus: loadCorpus(root),
  root,
  workDir: tempDir("offload-fuzz-"),
  failureDir: resolve(values.out),
  onCase: (record) => {
    const failed = record.commands.some((c) => c.violations.length > 0);
    if (failed) console.log(`case ${record.index} (${record.kind}) FAILED, kept in ${record.keptIn}`);
    else if (!values.quiet && ++shown % 250 === 0) console.log(`${shown} cases...`);
    if (only !== undefined)
      for (const c of record.commands)
        console.log(
          `${c.command} (${c.via}): ${c.outcome}, ${c.ms} ms, ${(c.peakBytes / 1048576).toFixed(0)} MiB${c.violations.map((v) => `\n  ${v.property}: ${v.detail}`).join("")}`,
        );
  },
});
console.log(formatSummary(summary));
process.exitCode = summary.failures.length === 0 ? 0 : 1;
