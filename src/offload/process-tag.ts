/**
 * A name for this very process that another process can check, later, for
 * whether it still runs: host, PID and the PID's start time (from /proc, so
 * a reused PID does not pass for the old process). Used in the names of
 * local staging directories, so a run can remove those an earlier run left
 * when it was killed, and never one that is still in use.
 *
 * @example
 * import { processTag, tagIsGone } from "./process-tag.ts";
 * // 8 hex digits of the host name's hash, the PID, its start time
 * const tag = processTag();
 * tag.split(".")[1] === String(process.pid); // true
 * tagIsGone(tag); // false
 * // the same host, a PID above any pid_max: gone
 * tagIsGone(`${tag.split(".")[0]}.999999999.5`); // true
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** A tag: 8 hex digits of the host name's hash, the PID, the start time (or "-"). */
export const TAG_PATTERN = /[0-9a-f]{8}\.\d+\.(?:\d+|-)/;

function hostHash(): string {
  return createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
}

/**
 * The start time of process `pid` in clock ticks since boot, or null
 * without /proc (or when there is no such process, or it is a zombie).
 *
 * @example
 * Number.isSafeInteger(processStartTime(process.pid)); // true
 * processStartTime(999999999); // null
 */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has ended; it is listed only until its parent reaps it.
    if (fields[0] === "Z" || fields[0] === "X") return null;
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : null;
  } catch {
    return null;
  }
}

let own: string | undefined;

/**
 * This process's tag.
 *
 * @example
 * /^[0-9a-f]{8}\.[0-9]+\.[0-9]+$/.test(processTag()); // true
 */
export function processTag(): string {
  own ??= `${hostHash()}.${process.pid}.${processStartTime(process.pid) ?? "-"}`;
  return own;
}

/**
 * True when the process of `tag` has certainly ended: it ran on this host
 * and no process with its PID and start time exists now. A tag from another
 * host (a shared directory) is never judged gone.
 *
 * @example
 * tagIsGone(processTag()); // false
 * // another host's process is never judged gone from here
 * tagIsGone("0badf00d.999999999.5"); // false
 */
export function tagIsGone(tag: string): boolean {
  const [host, pidText, start] = tag.split(".");
  if (host !== hostHash() || pidText === undefined || start === undefined) return false;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (start === "-") return !pidExists(pid);
  return processStartTime(pid) !== Number(start);
}

/**
 * True when a process with this PID exists on this host now (whoever owns it).
 *
 * @example
 * pidExists(process.pid); // true
 * pidExists(999999999); // false
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
