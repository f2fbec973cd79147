/**
 * `offload build JOBS.json`: run many jobs concurrently across the build
 * machines, within their slots. On a TTY a live display shows each running
 * job's machine, phase and elapsed time and the done/total count; otherwise
 * plain lines. Each job's output goes to its own log file; a summary table
 * ends the run. `--json` prints per-job results (machine, exit status, time
 * in each phase, bytes moved) on stdout. Exits 0 when every job succeeded,
 * 1 otherwise (130 when interrupted).
 *
 * @example
 * // offload build --log-dir logs jobs.json
 */
import { createWriteStream, mkdirSync, readFileSync, writeFile, type WriteStream } from "node:fs";
import { Writable } from "node:stream";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { Phase } from "../offload/attempt.ts";
import { parseJobFile } from "../offload/job-file.ts";
import { localSystem } from "../offload/local-system.ts";
import type { JobReport, JobSpec } from "../offload/offloader.ts";
import { formatBytes } from "../ssh/units.ts";
import { addEngineOptions, offloaderFor, type EngineOptions } from "./engine-options.ts";
import { EXIT_INTERRUPTED } from "./exit-status.ts";
import { onInterrupt } from "./interrupt.ts";
import { addLimitOptions, type LimitOptions } from "./limit-options.ts";
import { loadMachineList, machinesOption } from "./machines-file.ts";
import { wholeNumberOption } from "./option-kinds.ts";
import { CliError, colorsFor } from "./output.ts";
import { stateDirOption } from "./state-dir-option.ts";

interface BuildOptions extends EngineOptions, LimitOptions {
  machines: string;
  json?: boolean;
  logDir: string;
  jobs?: number;
}

/** One job in `offload build --json`. */
export interface BuildJobJson {
  name: string;
  status: JobReport["status"];
  machine: string | null;
  "exit-status": number | null;
  error: { code: string; message: string } | null;
  attempts: JobReport["attempts"];
  "phases-ms": Record<Phase, number>;
  "bytes-up": number;
  "bytes-down": number;
  log: string;
}

/** The state of one job, for the displays. */
interface Tracked {
  spec: JobSpec;
  log: string;
  phase: Phase | "waiting" | "done";
  machine: string | null;
  startedAt: number | null;
  report: JobReport | null;
}

/**
 * Register `offload build`.
 *
 * @example
 * registerBuildCommand(program);
 * await program.parseAsync(["build", "--log-dir", "logs", "jobs.json"], { from: "user" });
 */
export function registerBuildCommand(program: Command): void {
  const command = program
    .command("build")
    .description("run the jobs of a JSON file concurrently across the build machines, within their slots")
    .argument("<jobs-file>", "JSON list of jobs, each with the fields of `offload run`")
    .option("--json", "print per-job results as JSON on stdout")
    .option("--log-dir <dir>", "where each job's log file goes", "offload-logs")
    .addOption(wholeNumberOption("--jobs <n>", "jobs in flight at once (default: the machines' total slots)", { min: 0 }))
    .addOption(machinesOption())
    .addOption(stateDirOption());
  addEngineOptions(command);
  addLimitOptions(command).action(async (file: string, options: BuildOptions) => {
    process.exitCode = await buildAction(file, options);
  });
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100) || "job";
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

async function buildAction(file: string, options: BuildOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const specs = parseJobFile(text, file, localSystem());
  const machines = await loadMachineList(options.machines, options.stateDir, options);
  const totalSlots = machines.reduce((sum, machine) => sum + Math.max(0, Math.floor(machine.parallelBuilds)), 0);
  const inFlight = Math.max(1, options.jobs ?? totalSlots);
  const logDir = resolve(options.logDir);
  mkdirSync(logDir, { recursive: true });
  const tracked: Tracked[] = specs.map((spec, index) => ({
    spec,
    log: join(logDir, `${String(index + 1).padStart(String(specs.length).length, "0")}-${safeFileName(spec.name ?? "job")}.log`),
    phase: "waiting",
    machine: null,
    startedAt: null,
    report: null,
  }));
  const offloader = offloaderFor(options, machines);
  const display = process.stderr.isTTY === true ? new LiveDisplay(tracked) : new PlainDisplay(tracked);
  const interrupt = onInterrupt(() => display.note("interrupted; stopping the remote commands (Ctrl-C again to quit at once)"));
  const started = performance.now();
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tracked.length && !interrupt.signal.aborted) {
        const job = tracked[next++]!;
        job.report = await runTracked(job, offloader, interrupt.signal, display);
        display.finished(job);
      }
    };
    display.start();
    await Promise.all(Array.from({ length: Math.min(inFlight, tracked.length) }, worker));
  } finally {
    display.stop();
    interrupt.dispose();
    offloader.close();
  }
  const wallMs = performance.now() - started;
  const results = tracked.map(toJson);
  if (options.json) {
    const counts = summaryCounts(tracked);
    process.stdout.write(`${JSON.stringify({ jobs: results, ...counts, "wall-ms": Math.round(wallMs) }, null, 2)}\n`);
  }
  const out = options.json ? process.stderr : process.stdout;
  out.write(summaryTable(tracked, wallMs, colorsFor(out as NodeJS.WriteStream)));
  if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
  return tracked.every((job) => job.report?.status === "succeeded") ? 0 : 1;
}

/**
 * A job's log: kept in memory while small and written in one go at the end
 * (most jobs print little, and opening a stream per job costs more than the
 * job's output); switches to a file stream once it grows.
 */
class JobLog extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private stream: WriteStream | null = null;

  constructor(private readonly file: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.stream !== null) {
      this.stream.write(chunk, done);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size <= LOG_MEMORY_BYTES) {
      done();
      return;
    }
    this.stream = createWriteStream(this.file);
    this.stream.write(Buffer.concat(this.chunks), done);
    this.chunks = [];
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.stream !== null) this.stream.end(() => done());
    else writeFile(this.file, Buffer.concat(this.chunks), (error) => done(error));
  }
}

/** Logs up to this size stay in memory until the job ends. */
const LOG_MEMORY_BYTES = 256 * 1024;

async function runTracked(job: Tracked, offloader: ReturnType<typeof offloaderFor>, signal: AbortSignal, display: Display): Promise<JobReport> {
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
        if (machine !== null) job.machine = `${machine.name}:${machine.port}`;
        display.changed(job);
      },
      onNotice: (message) => log.write(`# offload: ${message}\n`),
    });
    for (const attempt of report.attempts) log.write(`# attempt on ${attempt.machine}: ${attempt.error ?? "completed"}\n`);
    log.write(`# status: ${report.status}${report.exitCode === null ? "" : `, exit status ${report.exitCode}`}${report.error === null ? "" : `: ${report.error.message}`}\n`);
    return report;
  } finally {
    job.phase = "done";
    await new Promise<void>((done) => {
      log.once("error", (error) => {
        process.stderr.write(`offload: cannot write ${job.log}: ${error.message}\n`);
        done();
      });
      log.end(() => done());
    });
  }
}

function toJson(job: Tracked): BuildJobJson {
  const report = job.report;
  return {
    name: job.spec.name ?? "",
    status: report?.status ?? "cancelled",
    machine: report?.machine ?? null,
    "exit-status": report?.exitCode ?? null,
    error: report?.error ?? (report === null ? { code: "cancelled", message: "not started" } : null),
    attempts: report?.attempts ?? [],
    "phases-ms": report === null ? { queued: 0, upload: 0, run: 0, download: 0 } : roundPhases(report.phaseMs),
    "bytes-up": report?.bytesUp ?? 0,
    "bytes-down": report?.bytesDown ?? 0,
    log: job.log,
  };
}

function roundPhases(phases: Record<Phase, number>): Record<Phase, number> {
  return { queued: Math.round(phases.queued), upload: Math.round(phases.upload), run: Math.round(phases.run), download: Math.round(phases.download) };
}

function summaryCounts(tracked: Tracked[]): { total: number; succeeded: number; failed: number } {
  const succeeded = tracked.filter((job) => job.report?.status === "succeeded").length;
  return { total: tracked.length, succeeded, failed: tracked.length - succeeded };
}

/** Above this many jobs the summary lists only the jobs that did not succeed. */
const FULL_TABLE_LIMIT = 40;

function summaryTable(tracked: Tracked[], wallMs: number, colors: ReturnType<typeof colorsFor>): string {
  const counts = summaryCounts(tracked);
  const shown = tracked.length <= FULL_TABLE_LIMIT ? tracked : tracked.filter((job) => job.report?.status !== "succeeded");
  const headers = ["JOB", "STATUS", "EXIT", "MACHINE", "QUEUED", "UPLOAD", "RUN", "DOWNLOAD", "UP", "DOWN"];
  const rows = shown.map((job) => {
    const r = job.report;
    return [
      job.spec.name ?? "",
      r?.status ?? "not started",
      r?.exitCode === null || r === null ? "-" : String(r.exitCode),
      r?.machine ?? "-",
      r === null ? "-" : seconds(r.phaseMs.queued),
      r === null ? "-" : seconds(r.phaseMs.upload),
      r === null ? "-" : seconds(r.phaseMs.run),
      r === null ? "-" : seconds(r.phaseMs.download),
      r === null ? "-" : formatBytes(r.bytesUp),
      r === null ? "-" : formatBytes(r.bytesDown),
    ];
  });
  const lines: string[] = [];
  if (rows.length > 0) {
    const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
    lines.push(colors.bold(line(headers)));
    rows.forEach((row, index) => {
      const status = shown[index]!.report?.status;
      lines.push(status === "succeeded" ? line(row) : colors.red(line(row)));
    });
  }
  const perMachine = new Map<string, number>();
  for (const job of tracked) if (job.report?.machine) perMachine.set(job.report.machine, (perMachine.get(job.report.machine) ?? 0) + 1);
  const spread = [...perMachine].map(([machine, count]) => `${machine} ${count}`).join(", ");
  const verdict = counts.failed === 0 ? colors.green(`${counts.succeeded}/${counts.total} jobs succeeded`) : colors.red(`${counts.failed} of ${counts.total} jobs did not succeed`);
  lines.push(`${verdict} in ${seconds(wallMs)}${spread === "" ? "" : ` (${spread})`}`);
  return `${lines.join("\n")}\n`;
}

/** What the build loop tells a display. */
interface Display {
  start(): void;
  changed(job: Tracked): void;
  finished(job: Tracked): void;
  note(message: string): void;
  stop(): void;
}

function finishedLine(job: Tracked, done: number, total: number, colors: ReturnType<typeof colorsFor>): string {
  const r = job.report!;
  const elapsed = job.startedAt === null ? "" : ` in ${seconds(Date.now() - job.startedAt)}`;
  const where = r.machine === null ? "" : ` on ${r.machine}`;
  const what =
    r.status === "succeeded"
      ? colors.green("succeeded")
      : r.status === "failed"
        ? colors.red(`failed (exit status ${r.exitCode})`)
        : colors.red(`${r.status}${r.error === null ? "" : `: ${r.error.message.split("\n")[0]}`}`);
  return `[${done}/${total}] ${job.spec.name} ${what}${where}${elapsed} (log: ${job.log})`;
}

/** Plain lines, one per finished job (not a TTY). */
class PlainDisplay implements Display {
  private done = 0;
  private readonly colors = colorsFor(process.stderr);

  constructor(private readonly jobs: Tracked[]) {}

  start(): void {}
  changed(): void {}
  finished(job: Tracked): void {
    this.done++;
    process.stderr.write(`${finishedLine(job, this.done, this.jobs.length, this.colors)}\n`);
  }
  note(message: string): void {
    process.stderr.write(`offload: ${message}\n`);
  }
  stop(): void {}
}

/** A live region at the bottom of the terminal, redrawn a few times a second. */
class LiveDisplay implements Display {
  private done = 0;
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly colors = colorsFor(process.stderr);

  constructor(private readonly jobs: Tracked[]) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 200);
    this.draw();
  }

  changed(): void {}

  finished(job: Tracked): void {
    this.done++;
    this.clear();
    process.stderr.write(`${finishedLine(job, this.done, this.jobs.length, this.colors)}\n`);
    this.draw();
  }

  note(message: string): void {
    this.clear();
    process.stderr.write(`offload: ${message}\n`);
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.drawnLines > 0) process.stderr.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    const running = this.jobs.filter((job) => job.phase !== "waiting" && job.phase !== "done");
    const waiting = this.jobs.filter((job) => job.phase === "waiting").length;
    const rows = Math.max(3, (process.stderr.rows || 24) - 3);
    const lines = [this.colors.bold(`${this.done}/${this.jobs.length} done, ${running.length} running, ${waiting} waiting`)];
    const now = Date.now();
    for (const job of running.slice(0, rows)) {
      const elapsed = job.startedAt === null ? "" : seconds(now - job.startedAt);
      lines.push(`  ${(job.spec.name ?? "").slice(0, 30).padEnd(30)}  ${(job.machine ?? "-").padEnd(21)}  ${job.phase.padEnd(8)}  ${elapsed}`);
    }
    if (running.length > rows) lines.push(this.colors.dim(`  … and ${running.length - rows} more`));
    const width = process.stderr.columns || 80;
    process.stderr.write(`${lines.map((line) => line.slice(0, Math.max(20, width - 1))).join("\n")}\n`);
    this.drawnLines = lines.length;
  }
}
