/**
 * Where one `offload build` run keeps its job logs: a new directory under
 * --log-dir named after the start time, so a run never overwrites the logs
 * of an earlier one, and a `latest` symbolic link to it.
 *
 * @example
 * // offload build --log-dir logs jobs.json  → logs/20261201-152428/, logs/latest → 20261201-152428
 */
import { mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { CliError } from "./output.ts";

/** Runs started in the same second get -2, -3, ... up to this many. */
const MAX_SAME_SECOND = 1000;

/**
 * Create the directory for a run that starts at `now` and point `latest` at it.
 *
 * @example
 * import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { basename, join } from "node:path";
 * const logs = mkdtempSync(join(tmpdir(), "offload-logs-"));
 * const start = new Date(2026, 11, 1, 15, 24, 28);
 * basename(createRunLogDir(logs, start)); // "20261201-152428"
 * basename(createRunLogDir(logs, start)); // "20261201-152428-2"
 * readlinkSync(join(logs, "latest")); // "20261201-152428-2"
 * rmSync(logs, { recursive: true });
 */
export function createRunLogDir(logDir: string, now: Date): string {
  const base = resolve(logDir);
  mkdirSync(base, { recursive: true });
  const stamp = timestamp(now);
  for (let n = 1; n <= MAX_SAME_SECOND; n++) {
    const dir = join(base, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new CliError(`cannot create the log directory ${dir}: ${(error as Error).message}`);
    }
    pointLatestAt(base, dir);
    return dir;
  }
  throw new CliError(`cannot create a new log directory in ${base}: ${MAX_SAME_SECOND} runs started at ${stamp}`);
}

/** `YYYYMMDD-HHMMSS` in local time: sorts as it reads. */
function timestamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** Replace `latest` in one step (a rename), so it never points nowhere; a failure only loses the link. */
function pointLatestAt(base: string, dir: string): void {
  const temporary = join(base, `.latest-${process.pid}`);
  try {
    rmSync(temporary, { force: true });
    symlinkSync(basename(dir), temporary);
    renameSync(temporary, join(base, "latest"));
  } catch {
    rmSync(temporary, { force: true });
  }
}
