/**
 * The exit statuses the commands share: 2 for usage errors, and for commands
 * that run work, GNU timeout's 124, the shell's 130 after Ctrl-C and ssh's
 * 255 when offloading itself failed.
 *
 * @example
 * // offload run -- make check; echo $?  → make's own exit status, as with ssh
 */
import type { JobReport } from "../offload/offloader.ts";

/**
 * A command line that cannot be run as given.
 *
 * @example
 * // offload run --timeout soon -- true; echo $?  → 2
 */
export const EXIT_USAGE = 2;
/**
 * --timeout or --max-silent-time ended the command (as GNU timeout).
 *
 * @example
 * // offload run --timeout 1 -- sleep 5; echo $?  → 124
 */
export const EXIT_TIMED_OUT = 124;
/**
 * Ended by Ctrl-C (or SIGTERM).
 *
 * @example
 * // offload run -- sleep 60, then Ctrl-C; echo $?  → 130
 */
export const EXIT_INTERRUPTED = 130;
/**
 * Offloading failed before or around the command (as ssh).
 *
 * @example
 * // offload run --system riscv64-linux -- true; echo $?  → 255 when no machine builds riscv64-linux
 */
export const EXIT_OFFLOAD_FAILED = 255;

/**
 * The exit status of `offload run` for a job report.
 *
 * @example
 * import type { JobStatus } from "../offload/offloader.ts";
 * const ended = (status: JobStatus, exitCode: number | null = null) => exitStatusOf({ status, exitCode });
 * [ended("succeeded", 0), ended("failed", 3), ended("timed-out"), ended("cancelled"), ended("error")]; // [0, 3, 124, 130, 255]
 */
export function exitStatusOf(report: Pick<JobReport, "status" | "exitCode">): number {
  switch (report.status) {
    case "succeeded":
    case "failed":
      return report.exitCode ?? EXIT_OFFLOAD_FAILED;
    case "timed-out":
      return EXIT_TIMED_OUT;
    case "cancelled":
      return EXIT_INTERRUPTED;
    default:
      return EXIT_OFFLOAD_FAILED;
  }
}
