/**
 * CPU accounting for the benchmarks. On a small machine the loopback servers,
 * the remote commands and the client share the same cores, so wall-clock
 * ratios alone cannot tell a slow client from a saturated machine; these
 * numbers can.
 *
 * @example
 * import { cpuOf } from "./cpu.ts";
 * const { clientMs, serverMs } = await cpuOf(farm.servers, () => probeAll(machines, pool, 10_000, undefined));
 */
import { readFileSync } from "node:fs";
import type { TestSshd } from "../test/helpers/sshd.ts";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime, stime, cutime, cstime of a process, in ms. */
function processTimesMs(pid: number | "self"): { ownMs: number; childrenMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  const toMs = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
  return { ownMs: toMs(fields[11]! + fields[12]!), childrenMs: toMs(fields[13]! + fields[14]!) };
}

/**
 * CPU (user + system, ms) the servers used: each listener's own time and that
 * of its finished session processes (sshd, shells, remote commands).
 *
 * @example
 * const before = serverCpuMs(farm.servers);
 */
function serverCpuMs(servers: readonly TestSshd[]): number {
  return servers.reduce((sum, server) => {
    const times = processTimesMs(server.pid);
    return sum + times.ownMs + times.childrenMs;
  }, 0);
}

/**
 * CPU (ms) this process's finished and waited-for children used (spawnSync'd
 * commands such as `ssh` or the offload CLI).
 *
 * @example
 * const before = childrenCpuMs(); spawnSync("ssh", args); const used = childrenCpuMs() - before;
 */
export function childrenCpuMs(): number {
  return processTimesMs("self").childrenMs;
}

/**
 * CPU (ms) this process's main thread used (its other threads, workers and
 * libuv's pool, are in process.cpuUsage() only).
 *
 * @example
 * const before = mainThreadCpuMs(); work(); const mainMs = mainThreadCpuMs() - before;
 */
export function mainThreadCpuMs(): number {
  // schedstat: nanoseconds on a CPU, finer than the ticks of /proc/PID/stat.
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "latin1").split(" ")[0]) / 1e6;
}

/** What a measured piece of work cost in CPU. */
export interface CpuCost {
  /** This process (all its threads) and the children it waited for. */
  clientMs: number;
  /** The servers' session processes. */
  serverMs: number;
}

/**
 * The CPU `fn` costs here and on the servers, read once the servers have
 * reaped their session processes.
 *
 * @example
 * const cost = await cpuOf(farm.servers, async () => { await download(); });
 */
export async function cpuOf(servers: readonly TestSshd[], fn: () => Promise<unknown> | unknown): Promise<CpuCost> {
  const serverBefore = serverCpuMs(servers);
  const childrenBefore = childrenCpuMs();
  const clientBefore = process.cpuUsage();
  await fn();
  const client = process.cpuUsage(clientBefore);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { clientMs: (client.user + client.system) / 1000 + childrenCpuMs() - childrenBefore, serverMs: serverCpuMs(servers) - serverBefore };
}
