/**
 * One job of `offload build` as the displays and the summary see it: its
 * spec, its log file, where it is (waiting, a phase, done), the machine
 * running it, when it started and ended, and its report once it is over.
 *
 * @example
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"name": "unit-tests", "command": ["make", "check"]}]', "/work/jobs.json", "x86_64-linux");
 * const job = newBuildJob(spec!, "logs/20261201-152428/1-unit-tests.log");
 * job.phase; // "waiting"
 * // the build loop fills it in as the job runs
 * Object.assign(job, { phase: "run", machine: "build1:22", startedAt: 1_000 });
 * jobElapsedMs(job, 3_500); // 2500
 */
import type { Phase } from "../offload/attempt.ts";
import type { JobReport, JobSpec } from "../offload/offloader.ts";
import type { TransferProgress } from "../offload/progress.ts";

/** The state of one job. */
export interface BuildJob {
  spec: JobSpec;
  log: string;
  phase: Phase | "waiting" | "done";
  machine: string | null;
  startedAt: number | null;
  endedAt: number | null;
  report: JobReport | null;
  /** The transfer under way, if any (the live display shows it). */
  progress?: TransferProgress | null;
}

/**
 * A job that has not started.
 *
 * @example
 * import { parseJobsFile } from "./jobs-file.ts";
 * const [spec] = parseJobsFile('[{"command": ["true"]}]', "/work/jobs.json", "x86_64-linux");
 * newBuildJob(spec!, "logs/1-job-1.log"); // { log: "logs/1-job-1.log", phase: "waiting", machine: null, startedAt: null, endedAt: null, report: null }
 */
export function newBuildJob(spec: JobSpec, log: string): BuildJob {
  return { spec, log, phase: "waiting", machine: null, startedAt: null, endedAt: null, report: null };
}

/**
 * How long the job has run (until `now` while it runs), or null if it never started.
 *
 * @example
 * jobElapsedMs({ startedAt: 1000, endedAt: 3500 }, 9999); // 2500
 * jobElapsedMs({ startedAt: 1000, endedAt: null }, 9999); // 8999
 * jobElapsedMs({ startedAt: null, endedAt: null }, 9999); // null
 */
export function jobElapsedMs(job: Pick<BuildJob, "startedAt" | "endedAt">, now: number): number | null {
  return job.startedAt === null ? null : (job.endedAt ?? now) - job.startedAt;
}
