/**
 * One round trip that tells how a build machine is doing: kernel,
 * architecture, host name, uptime, load averages, cores, available memory,
 * free space in the work directory and clock offset. Used by `offload
 * status` and by the offload engine's machine selection.
 *
 * The work directory defaults to the remote `$HOME` (where sshd starts
 * commands and where the offload engine keeps its scratch space); a relative
 * `workDir` is taken relative to `$HOME`. When the directory does not exist
 * yet, the free space of its nearest existing parent is reported.
 *
 * Also Guix's reading of the result: the normalized load, the overload
 * test and the minimum free space, used by `offload status`, `offload test`
 * and the offload engine's machine selection alike.
 *
 * @example
 * import { probeStatus, normalizedLoad } from "./probe.ts";
 * const status = await probeStatus(session);
 * normalizedLoad(status); // the 1-minute load over the cores, at most 1 (Guix's definition)
 */
import { scriptOutput, withScriptHost } from "./script-host.ts";
import type { SshSession } from "./session.ts";
import { SshError } from "./errors.ts";
import { probeScript } from "./remote-shell.ts";

/** What a probe learns about a machine. */
export interface MachineStatus {
  /** `uname -s` and `uname -r`, e.g. `Linux 6.1.0-18-amd64`. */
  kernel: string;
  /** `uname -m`, e.g. `x86_64`. */
  architecture: string;
  /** `uname -n`. */
  hostname: string;
  /** Seconds since boot, or null where /proc/uptime is missing. */
  uptimeSeconds: number | null;
  /** Load averages over 1, 5 and 15 minutes. */
  load: [number, number, number];
  /** Online processors usable by this user (`nproc`). */
  cores: number;
  /** MemAvailable from /proc/meminfo, or null where missing. */
  memoryAvailableBytes: number | null;
  /** Free bytes (for unprivileged users) on the work directory's file system. */
  diskFreeBytes: number;
  /** The directory whose file system `diskFreeBytes` describes (absolute). */
  workDir: string;
  /** Remote clock minus local clock, in seconds (positive: remote is ahead), or null if unknown. */
  clockOffsetSeconds: number | null;
}

/** Options for {@link probeStatus}. */
export interface ProbeOptions {
  /** Directory whose free space matters; relative to the remote $HOME; default $HOME. */
  workDir?: string;
  /** Give up after this long; default 15 000 (Guix's short timeout). */
  timeoutMs?: number;
}

/** Guix's `%short-timeout` for probes. */
const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

/**
 * Probe the machine behind `session` with one remote command (a POSIX shell
 * script reading /proc; four subprocesses).
 *
 * @example
 * const status = await probeStatus(session, { workDir: ".cache/offload" });
 * // e.g. kernel "Linux 6.1.0-18-amd64", load [0.5, 0.4, 0.3], cores 8, diskFreeBytes 52613349376,
 * // workDir "/home/builder/.cache/offload" (or its nearest existing parent), clockOffsetSeconds -0.02
 */
export async function probeStatus(session: SshSession, options: ProbeOptions = {}): Promise<MachineStatus> {
  // Through a connection holder, one of its ready runners: no login shell for the probe.
  return withScriptHost(session, async (host) => {
    const sentAt = Date.now();
    const text = await scriptOutput(host, probeScript(options.workDir), {
      timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      maxOutputBytes: 64 * 1024,
    });
    const receivedAt = Date.now();
    return parseProbe(text, (sentAt + receivedAt) / 2, session.machine.name);
  });
}

/** Guix's `%minimum-disk-space`: a machine with less free space is given no builds. */
export const MINIMUM_FREE_BYTES = 100 * 1024 * 1024;

/**
 * Guix's normalized load (`node-load`): the 1-minute load average divided by
 * the number of cores, at most 1. A load or core count that is unknown or
 * makes no sense (not a number, negative, no cores) counts as 1.0, fully
 * loaded, as Guix counts a machine that does not answer.
 *
 * @example
 * normalizedLoad({ load: [3, 2, 1], cores: 4 });          // 0.75
 * normalizedLoad({ load: [9, 2, 1], cores: 4 });          // 1
 * normalizedLoad({ load: [Number.NaN, 0, 0], cores: 4 }); // 1
 * normalizedLoad({ load: [0.5, 0, 0], cores: 0 });        // 1
 */
export function normalizedLoad(status: { readonly load: readonly number[]; readonly cores: number }): number {
  const load = status.load[0];
  if (load === undefined || !Number.isFinite(load) || load < 0) return 1;
  if (!Number.isFinite(status.cores) || !(status.cores > 0)) return 1;
  return Math.min(1, load / status.cores);
}

/**
 * Whether Guix would skip the machine as overloaded (`load >= threshold`; a
 * null threshold disables the check).
 *
 * @example
 * isOverloaded(0.9, 0.8); // true
 * isOverloaded(0.8, 0.8); // true
 * isOverloaded(1, null); // false
 */
export function isOverloaded(normalized: number, threshold: number | null): boolean {
  return threshold !== null && normalized >= threshold;
}

function parseProbe(text: string, localMidpointMs: number, machineName: string): MachineStatus {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const equals = line.indexOf("=");
    if (equals > 0) fields.set(line.slice(0, equals), line.slice(equals + 1).trim());
  }
  const bad = (what: string): SshError =>
    new SshError("remote-command-failed", machineName, `status probe on ${machineName}: cannot read ${what} (got ${JSON.stringify(text.slice(0, 200))})`);
  const uname = (fields.get("uname") ?? "").split(/\s+/);
  if (uname.length < 4) throw bad("uname");
  const [sysname, nodename, release, machine] = uname as [string, string, string, string];
  const load = (fields.get("load") ?? "").split(" ").map(Number);
  if (load.length !== 3 || load.some((value) => !Number.isFinite(value))) throw bad("/proc/loadavg");
  const cores = Number(fields.get("cores"));
  if (!Number.isInteger(cores) || cores < 1) throw bad("the number of cores");
  const availableKiB = Number(fields.get("availkb") ?? "x");
  if (!Number.isFinite(availableKiB) || fields.get("availkb") === "") throw bad("the free disk space (df)");
  const remoteTime = /^(\d+(?:\.\d+)?)/.exec(fields.get("time") ?? "");
  const memoryKiB = optionalNumber(fields.get("memkb"));
  return {
    kernel: `${sysname} ${release}`,
    architecture: machine,
    hostname: nodename,
    uptimeSeconds: optionalNumber(fields.get("uptime")),
    load: load as [number, number, number],
    cores,
    memoryAvailableBytes: memoryKiB === null ? null : memoryKiB * 1024,
    diskFreeBytes: availableKiB * 1024,
    workDir: fields.get("workdir") ?? "",
    clockOffsetSeconds: remoteTime === null ? null : Math.round(Number(remoteTime[1]) * 1000 - localMidpointMs) / 1000,
  };
}

function optionalNumber(text: string | undefined): number | null {
  if (text === undefined || text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
