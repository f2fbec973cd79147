/**
 * How an `offload build` run ended: the `--json` document (a result per job)
 * and the summary table for people, every column labelled, a job that was
 * cancelled showing how long it ran, the jobs per machine named as such.
 *
 * @example
 * import { Chalk } from "chalk";
 * import { newBuildJob } from "./build-job.ts";
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "upper", "command": ["tr", "a-z", "A-Z"]}]', "/work/jobs.json", "x86_64-linux");
 * const phaseMs = { queued: 3, upload: 40, run: 1100, download: 20 };
 * const report = { name: "upper", status: "succeeded", machine: "build1:22", exitCode: 0, killedFor: null, error: null, attempts: [], phaseMs, bytesUp: 2, bytesDown: 2, filesUp: 1 } as const;
 * const job = { ...newBuildJob(spec!, "logs/20261201-152428/1-upper.log"), phase: "done", machine: "build1:22", startedAt: 0, endedAt: 1200, report } as const;
 * const failed = { ...job, spec: { ...job.spec, name: "lower" }, endedAt: 300, report: { ...report, name: "lower", status: "failed", exitCode: 1, phaseMs: { ...phaseMs, run: 200 }, bytesDown: 0 } } as const;
 * summaryTable([job, failed], 12_300, new Chalk({ level: 0 })).split("\n");
 * // ["JOB    STATUS     EXIT  MACHINE    TIME    QUEUED  UPLOAD  RUN     DOWNLOAD  SENT  RECEIVED",
 * //  "upper  succeeded  0     build1:22  1.2 s   3 ms    40 ms   1.1 s   20 ms     2 B   2 B",
 * //  "lower  failed     1     build1:22  300 ms  3 ms    40 ms   200 ms  20 ms     2 B   0 B",
 * //  "1 of 2 jobs did not succeed in 12.3 s (jobs per machine: build1:22 2)",
 * //  ""]
 */
import type { ChalkInstance } from "chalk";
import type { Phase } from "../offload/attempt.ts";
import type { JobReport } from "../offload/offloader.ts";
import { formatBytes, formatMs } from "../ssh/units.ts";
import { jobElapsedMs, type BuildJob } from "./build-job.ts";

/** One job in `offload build --json`. */
export interface BuildJobJson {
  name: string;
  status: JobReport["status"];
  machine: string | null;
  "exit-status": number | null;
  error: { code: string; message: string } | null;
  attempts: JobReport["attempts"];
  /** From start to end, cancelled jobs included; null if the job never started. */
  "elapsed-ms": number | null;
  "phases-ms": Record<Phase, number>;
  "bytes-up": number;
  "bytes-down": number;
  log: string;
}

/** The `--json` document. */
export interface BuildJson {
  jobs: BuildJobJson[];
  total: number;
  succeeded: number;
  failed: number;
  "wall-ms": number;
}

/** Above this many jobs the summary lists only the jobs that did not succeed. */
const FULL_TABLE_LIMIT = 40;

/**
 * The `--json` document for finished jobs.
 *
 * @example
 * import { newBuildJob } from "./build-job.ts";
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "upper", "command": ["tr", "a-z", "A-Z"]}]', "/work/jobs.json", "x86_64-linux");
 * const phaseMs = { queued: 3, upload: 40, run: 1100, download: 20 };
 * const report = { name: "upper", status: "succeeded", machine: "build1:22", exitCode: 0, killedFor: null, error: null, attempts: [], phaseMs, bytesUp: 2, bytesDown: 2, filesUp: 1 } as const;
 * const job = { ...newBuildJob(spec!, "logs/20261201-152428/1-upper.log"), phase: "done", machine: "build1:22", startedAt: 0, endedAt: 1200, report } as const;
 * buildJson([job], 12_345.6);
 * // { jobs: [{ name: "upper", status: "succeeded", machine: "build1:22", "exit-status": 0, error: null, attempts: [], "elapsed-ms": 1200,
 * //           "phases-ms": { queued: 3, upload: 40, run: 1100, download: 20 }, "bytes-up": 2, "bytes-down": 2, log: "logs/20261201-152428/1-upper.log" }],
 * //   total: 1, succeeded: 1, failed: 0, "wall-ms": 12346 }
 */
export function buildJson(jobs: readonly BuildJob[], wallMs: number): BuildJson {
  return { jobs: jobs.map(jobJson), ...counts(jobs), "wall-ms": Math.round(wallMs) };
}

function jobJson(job: BuildJob): BuildJobJson {
  const report = job.report;
  const elapsed = jobElapsedMs(job, Date.now());
  return {
    name: job.spec.name ?? "",
    status: report?.status ?? "cancelled",
    machine: report?.machine ?? null,
    "exit-status": report?.exitCode ?? null,
    error: report?.error ?? (report === null ? { code: "cancelled", message: "not started" } : null),
    attempts: report?.attempts ?? [],
    "elapsed-ms": elapsed === null ? null : Math.round(elapsed),
    "phases-ms": report === null ? { queued: 0, upload: 0, run: 0, download: 0 } : roundPhases(report.phaseMs),
    "bytes-up": report?.bytesUp ?? 0,
    "bytes-down": report?.bytesDown ?? 0,
    log: job.log,
  };
}

function roundPhases(phases: Record<Phase, number>): Record<Phase, number> {
  return { queued: Math.round(phases.queued), upload: Math.round(phases.upload), run: Math.round(phases.run), download: Math.round(phases.download) };
}

function counts(jobs: readonly BuildJob[]): { total: number; succeeded: number; failed: number } {
  const succeeded = jobs.filter((job) => job.report?.status === "succeeded").length;
  return { total: jobs.length, succeeded, failed: jobs.length - succeeded };
}

const HEADERS = ["JOB", "STATUS", "EXIT", "MACHINE", "TIME", "QUEUED", "UPLOAD", "RUN", "DOWNLOAD", "SENT", "RECEIVED"];

/**
 * The summary: a row per job (only the ones that did not succeed when there
 * are many), then the verdict with the wall time and the jobs per machine.
 *
 * @example
 * import { Chalk } from "chalk";
 * summaryTable([], 0, new Chalk({ level: 0 })); // "0/0 jobs succeeded in 0 ms\n"
 */
export function summaryTable(jobs: readonly BuildJob[], wallMs: number, colors: ChalkInstance): string {
  const shown = jobs.length <= FULL_TABLE_LIMIT ? jobs : jobs.filter((job) => job.report?.status !== "succeeded");
  const now = Date.now();
  const rows = shown.map((job) => row(job, now));
  const lines: string[] = [];
  if (rows.length > 0) {
    const widths = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((cells) => cells[i]!.length)));
    const line = (cells: readonly string[]): string =>
      cells
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd();
    lines.push(colors.bold(line(HEADERS)));
    rows.forEach((cells, index) => lines.push(shown[index]!.report?.status === "succeeded" ? line(cells) : colors.red(line(cells))));
  }
  const { total, succeeded, failed } = counts(jobs);
  const verdict = failed === 0 ? colors.green(`${succeeded}/${total} jobs succeeded`) : colors.red(`${failed} of ${total} jobs did not succeed`);
  const spread = perMachine(jobs);
  lines.push(`${verdict} in ${formatMs(wallMs)}${spread === "" ? "" : ` (jobs per machine: ${spread})`}`);
  return `${lines.join("\n")}\n`;
}

function row(job: BuildJob, now: number): string[] {
  const r = job.report;
  const elapsed = jobElapsedMs(job, now);
  const phase = (name: Phase): string => (r === null ? "-" : formatMs(r.phaseMs[name]));
  return [
    job.spec.name ?? "",
    r?.status ?? "not started",
    r === null || r.exitCode === null ? "-" : String(r.exitCode),
    r?.machine ?? "-",
    elapsed === null ? "-" : formatMs(elapsed),
    phase("queued"),
    phase("upload"),
    phase("run"),
    phase("download"),
    r === null ? "-" : formatBytes(r.bytesUp),
    r === null ? "-" : formatBytes(r.bytesDown),
  ];
}

function perMachine(jobs: readonly BuildJob[]): string {
  const counted = new Map<string, number>();
  for (const job of jobs) if (job.report?.machine) counted.set(job.report.machine, (counted.get(job.report.machine) ?? 0) + 1);
  return [...counted].map(([machine, count]) => `${machine} ${count}`).join(", ");
}
