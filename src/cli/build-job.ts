/**
 * One job of `offload build` as the displays and the summary see it: its
 * spec, its log file, where it is (waiting, a phase, done), the machine
 * running it, when it started and ended, and its report once it is over.
 *
 * @example
 * const job = newBuildJob(spec, "/logs/run-1/01-unit-tests.log");
 * jobElapsedMs(job, Date.now()); // null: not started yet
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
 * newBuildJob(spec, "logs/01-a.log").phase; // "waiting"
 */
export function newBuildJob(spec: JobSpec, log: string): BuildJob {
  return { spec, log, phase: "waiting", machine: null, startedAt: null, endedAt: null, report: null };
}

/**
 * How long the job has run (until `now` while it runs), or null if it never started.
 *
 * @example
 * jobElapsedMs({ ...job, startedAt: 1000, endedAt: 3500 }, 9999); // 2500
 */
export function jobElapsedMs(job: Pick<BuildJob, "startedAt" | "endedAt">, now: number): number | null {
  return job.startedAt === null ? null : (job.endedAt ?? now) - job.startedAt;
}
