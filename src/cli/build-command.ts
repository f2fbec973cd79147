/**
 * `offload build JOBS.json`: run many jobs concurrently across the build
 * machines, within their slots. Progress on stderr (build-display.ts), each
 * job's output in its own log file under a new directory per run
 * (run-log-dir.ts), a summary table at the end (build-summary.ts); `--json`
 * prints per-job results on stdout. Exits 0 when every job succeeded, 1
 * otherwise (130 when interrupted).
 *
 * @example
 * // offload build --log-dir logs jobs.json
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { localSystem } from "../offload/local-system.ts";
import type { JobReport, Offloader } from "../offload/offloader.ts";
import { displayFor, type BuildDisplay } from "./build-display.ts";
import { newBuildJob, type BuildJob } from "./build-job.ts";
import { buildJson, summaryTable } from "./build-summary.ts";
import { addEngineOptions, offloaderFor, type EngineOptions } from "./engine-options.ts";
import { EXIT_INTERRUPTED } from "./exit-status.ts";
import { onInterrupt } from "./interrupt.ts";
import { JobLog } from "./job-log.ts";
import { JOB_FIELDS, parseJobsFile } from "./jobs-file.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { loadMachineList, machinesOption } from "./machines-file.ts";
import { wholeNumberOption } from "./option-kinds.ts";
import { CliError, colorsFor } from "./output.ts";
import { createRunLogDir } from "./run-log-dir.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface BuildOptions extends EngineOptions, LimitOptions {
  machines: string;
  json?: boolean;
  logDir: string;
  jobs?: number;
}

const JOBS_FILE_HELP = `
JOBS.json is a list of jobs (or {"jobs": [...]}); each job is an object with:
${Object.entries(JOB_FIELDS)
  .map(([field, meaning]) => `  ${field.padEnd(17)}${meaning}`)
  .join("\n")}

Example:
  [
    {"name": "unit-tests", "command": ["make", "check"], "inputs": ["src", "Makefile"],
     "outputs": ["test-suite.log"], "env": {"LANG": "C"}, "timeout": 600},
    {"name": "arm", "command": ["sh", "-c", "uname -m > arch.txt"], "system": "aarch64-linux",
     "features": ["kvm"], "outputs": ["arch.txt"], "max-silent-time": 60}
  ]

Each run's logs go in a new directory under --log-dir (LOG-DIR/latest points to it).
`;

/** Register `offload build`. */
export function registerBuildCommand(program: Command): void {
  const command = program
    .command("build")
    .description("run the jobs of a JSON file concurrently across the build machines, within their slots")
    .argument("<jobs-file>", "JSON list of jobs, each with the fields of `offload run` (see below)")
    .option("--json", "print per-job results as JSON on stdout")
    .option("--log-dir <dir>", "where each run's directory of job logs goes", "offload-logs")
    .addOption(wholeNumberOption("--jobs <n>", "jobs in flight at once (default: the machines' total slots)", { min: 0 }))
    .addOption(machinesOption())
    .addOption(stateDirOption())
    .addHelpText("after", JOBS_FILE_HELP);
  addEngineOptions(command);
  addLimitOptions(command).action(async (file: string, options: BuildOptions) => {
    process.exitCode = await buildAction(file, options);
  });
}

async function buildAction(file: string, options: BuildOptions): Promise<number> {
  const specs = parseJobsFile(readJobsFile(file), file, localSystem());
  const machines = await loadMachineList(options.machines, options.stateDir, options);
  const totalSlots = machines.reduce((sum, machine) => sum + Math.max(0, Math.floor(machine.parallelBuilds)), 0);
  const inFlight = Math.max(1, options.jobs ?? totalSlots);
  const logDir = createRunLogDir(options.logDir, new Date());
  const width = String(specs.length).length;
  const jobs = specs.map((spec, index) => newBuildJob(spec, join(logDir, `${String(index + 1).padStart(width, "0")}-${safeFileName(spec.name ?? "job")}.log`)));
  const offloader = offloaderFor(options, machines);
  const display = displayFor(process.stderr, jobs);
  const interrupt = onInterrupt(() => display.note("interrupted; stopping the remote commands (Ctrl-C again to quit at once)"));
  const started = performance.now();
  try {
    display.note(`logs in ${logDir}`);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !interrupt.signal.aborted) {
        const job = jobs[next++]!;
        job.report = await runJob(job, offloader, interrupt.signal, display);
        display.finished(job);
      }
    };
    display.start();
    await Promise.all(Array.from({ length: Math.min(inFlight, jobs.length) }, worker));
  } finally {
    display.stop();
    interrupt.dispose();
    offloader.close();
  }
  const wallMs = performance.now() - started;
  if (options.json) process.stdout.write(`${JSON.stringify(buildJson(jobs, wallMs), null, 2)}\n`);
  const out = options.json ? process.stderr : process.stdout;
  out.write(summaryTable(jobs, wallMs, colorsFor(out)));
  if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
  return jobs.every((job) => job.report?.status === "succeeded") ? 0 : 1;
}

function readJobsFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100) || "job";
}

async function runJob(job: BuildJob, offloader: Offloader, signal: AbortSignal, display: BuildDisplay): Promise<JobReport> {
  const log = new JobLog(job.log);
  log.write(`# offload job ${job.spec.name}\n# command: ${JSON.stringify(job.spec.command)}\n`);
  job.startedAt = Date.now();
  job.phase = "queued";
  try {
    const report = await offloader.run(job.spec, {
      stdout: log,
      stderr: log,
      signal,
      onPhase: (phase, machine) => {
        job.phase = phase;
        if (machine === null) return;
        const first = job.machine === null;
        job.machine = `${machine.name}:${machine.port}`;
        if (first) display.started(job);
      },
      onNotice: (message) => log.write(`# offload: ${message}\n`),
      onProgress: (progress) => (job.progress = progress.done ? null : progress),
    });
    for (const attempt of report.attempts) log.write(`# attempt on ${attempt.machine}: ${attempt.error ?? "completed"}\n`);
    log.write(
      `# status: ${report.status}${report.exitCode === null ? "" : `, exit status ${report.exitCode}`}${report.error === null ? "" : `: ${report.error.message}`}\n`,
    );
    return report;
  } finally {
    job.phase = "done";
    job.endedAt = Date.now();
    await new Promise<void>((done) => {
      log.once("error", (error) => {
        display.note(`warning: cannot write ${job.log}: ${error.message}`);
        done();
      });
      log.end(() => done());
    });
  }
}
