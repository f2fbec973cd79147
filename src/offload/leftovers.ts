/**
 * Leftovers on a build machine — scratch directories and upload temporaries
 * of clients that went away without cleaning up (killed, disconnected,
 * stalled) — found by their owners being gone (remote-shell.ts's
 * `garbageScript`) and removed. The engine does this on each machine the
 * first time a process uses it, so the next run cleans up after the last
 * one whatever ended it; `offload gc` does it on demand.
 *
 * @example
 * import { removeLeftovers } from "./leftovers.ts";
 * const found = await removeLeftovers(session);
 * found.items.length; // how many scratch directories and upload temporaries went
 */
import { garbageScript } from "../ssh/remote-shell.ts";
import { scriptOutput, type ScriptHost } from "../ssh/script-host.ts";

/** One leftover: a job's scratch directory or an upload temporary. */
export interface Leftover {
  kind: "job" | "upload";
  /** The job id, or the temporary's file name. */
  name: string;
  bytes: number;
}

/** What {@link removeLeftovers} found (and removed unless it was a dry run). */
export interface LeftoverReport {
  items: Leftover[];
  /** Total size of the items. */
  bytes: number;
}

/** Generous: removing a big tree takes a while, and this never delays a job. */
const LEFTOVER_TIMEOUT_MS = 120_000;

/**
 * Parse the lines `garbageScript` prints (`job ID KIB`, `upload NAME KIB`).
 *
 * @example
 * parseLeftovers("job a1-b2 12\nupload .tmp.5.77 4\n").bytes; // 16384
 */
export function parseLeftovers(output: string): LeftoverReport {
  const items: Leftover[] = [];
  for (const line of output.split("\n")) {
    const match = /^(job|upload) (\S+) (\d+)$/.exec(line);
    if (match === null) continue;
    items.push({ kind: match[1] as Leftover["kind"], name: match[2]!, bytes: Number(match[3]) * 1024 });
  }
  return { items, bytes: items.reduce((sum, item) => sum + item.bytes, 0) };
}

/**
 * Find the machine's leftovers and remove them (only list them with `dryRun`).
 *
 * @example
 * const { items, bytes } = await removeLeftovers(session, { dryRun: true }); // what `offload gc --dry-run` shows
 */
export async function removeLeftovers(host: ScriptHost, options: { dryRun?: boolean } = {}): Promise<LeftoverReport> {
  // A plain script, not a supervised one: if this client goes away, the removal goes on.
  return parseLeftovers(await scriptOutput(host, garbageScript(options), { timeoutMs: LEFTOVER_TIMEOUT_MS }));
}
