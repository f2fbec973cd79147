/**
 * Disk failures, told apart from machine failures: a full disk on the build
 * machine (its tools say "No space left on device" on stderr) is reported as
 * such, not as whatever part of the transfer then broke; a local write error
 * (a full disk here, a read-only or missing directory) is the user's problem
 * to fix, so it is not retried on another machine.
 *
 * @example
 * import { localWriteFailed, remoteFailure } from "./disk-errors.ts";
 * remoteFailure("b1", "upload", "cat: write error: No space left on device").code; // "remote-disk-full"
 * localWriteFailed("out.bin", Object.assign(new Error("ENOSPC"), { code: "ENOSPC" })).code; // "local-write-failed"
 */
import { OffloadError, type OffloadErrorCode } from "./errors.ts";

/** What remote tools print when a file system is full, or the user's quota is. */
const REMOTE_DISK_FULL = /No space left on device|Disk quota exceeded/i;

/**
 * True when remote standard error says the disk (or quota) is full.
 *
 * @example
 * saysDiskFull("mkdir: cannot create directory 'x': No space left on device"); // true
 */
export function saysDiskFull(stderr: string): boolean {
  return REMOTE_DISK_FULL.test(stderr);
}

/**
 * The error for a remote step that failed with `stderr`: `remote-disk-full`
 * when the disk is full there, else `code` with the remote's own words.
 *
 * @example
 * remoteFailure("b1", "upload", "", "transfer-failed", "status 1").message; // "upload on b1 failed: status 1"
 */
export function remoteFailure(machine: string, step: string, stderr: string, code: OffloadErrorCode = "transfer-failed", fallback = "it failed"): OffloadError {
  const detail = lastLines(stderr) || fallback;
  if (saysDiskFull(stderr)) {
    return new OffloadError("remote-disk-full", `the disk of ${machine} is full (${step}): ${detail}`);
  }
  return new OffloadError(code, `${step} on ${machine} failed: ${detail}`);
}

/** The last few lines of remote output, on one line. */
function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" / ");
}

/** Words for the errno values a local write typically fails with. */
const LOCAL_CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the local disk",
  EDQUOT: "the local disk quota is exceeded",
  EROFS: "the local file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
};

/**
 * The error for a failed local write of `what` (an output, the staging
 * directory): `local-write-failed`, which is not retried elsewhere.
 *
 * @example
 * localWriteFailed("out/a", Object.assign(new Error("x"), { code: "ENOSPC" })).message; // "cannot write output \"out/a\" here: no space left on the local disk (ENOSPC)"
 */
export function localWriteFailed(what: string, error: unknown): OffloadError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    errno !== undefined && LOCAL_CAUSES[errno] !== undefined ? `${LOCAL_CAUSES[errno]} (${errno})` : error instanceof Error ? error.message : String(error);
  return new OffloadError("local-write-failed", `cannot write output ${JSON.stringify(what)} here: ${why}`, { cause: error });
}

/**
 * True for errno values of a local file-system write (as opposed to a broken transfer).
 *
 * @example
 * isLocalWriteError(Object.assign(new Error("x"), { code: "ENOSPC" })); // true
 */
export function isLocalWriteError(error: unknown): boolean {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof errno === "string" && /^E[A-Z]+$/.test(errno) && errno !== "EPIPE" && errno !== "ECONNRESET";
}
