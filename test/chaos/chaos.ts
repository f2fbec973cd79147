/**
 * Shared pieces of the chaos tests: a farm whose first machine is preferred,
 * a way to make sure it is chosen first (so the fault lands where the test
 * puts it: {@link holdSlots} on the other), waits for a job
 * to reach a given point on a server, and the checks every scenario ends
 * with — nothing partial at the destination, slots free, and nothing left on
 * the machine once the next run has been there.
 *
 * @example
 * import { faultFarm, nextRunLeavesNothing } from "./chaos.ts";
 * const farm = await faultFarm();
 * // … a fault on farm.servers[0] …
 * await nextRunLeavesNothing(farm, 0);
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { BuildMachine } from "../../src/machines/types.ts";
import { Offloader, type JobSpec } from "../../src/offload/offloader.ts";
import { slotsInUse, tryAcquireSlot, type Slot } from "../../src/offload/slots.ts";
import type { ConnectOptions } from "../../src/ssh/session.ts";
import { leftoverJobs, offloadFarm, waitFor, type OffloadFarm } from "../helpers/farm.ts";
import { localSystem, type TestSshd } from "../helpers/sshd.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** Stalls are noticed within about a second: keep-alives every 300 ms, two unanswered ones end the connection. */
export const STALL_DETECTION: ConnectOptions = { keepaliveIntervalMs: 300, keepaliveCountMax: 2, timeoutMs: 3_000 };

/**
 * Two machines without compression (so transfers take a while); the first
 * is ten times faster, so a job goes there first when both probes are in
 * time (hold the other's slots to be sure: {@link holdSlots}).
 *
 * @example
 * const farm = await faultFarm();
 */
export function faultFarm(count = 2): Promise<OffloadFarm> {
  return offloadFarm(count, { compression: "none" }, (index) => ({ speed: index === 0 ? 10 : 1 }));
}

/**
 * A job for this host's system in the farm's work directory.
 *
 * @example
 * const spec = jobSpec(farm, ["true"], { outputs: ["x"] });
 */
export function jobSpec(farm: OffloadFarm, command: string[], extra: Partial<JobSpec> = {}): JobSpec {
  return { system: localSystem(), features: [], command, env: {}, inputs: [], outputs: [], dir: farm.workDir, ...extra };
}

/**
 * Output sinks that drop what they get.
 *
 * @example
 * await offloader.run(spec, sinks());
 */
export function sinks(): { stdout: PassThrough; stderr: PassThrough } {
  return { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() };
}

function casDir(server: TestSshd): string {
  return join(server.home, ".cache", "offload", "cas");
}

/**
 * Upload temporaries in a server's input cache.
 *
 * @example
 * uploadTemporaries(server); // [] when no upload is in progress or left over
 */
export function uploadTemporaries(server: TestSshd): string[] {
  return existsSync(casDir(server)) ? readdirSync(casDir(server)).filter((name) => name.startsWith(".tmp.")) : [];
}

/**
 * Resolves once bytes of a new upload are arriving on `server` (bounded).
 *
 * @example
 * await uploading(server); server.killSessions();
 */
export async function uploading(server: TestSshd): Promise<void> {
  // Only a new one: an earlier test's leftover is not this upload.
  const earlier = new Set(uploadTemporaries(server));
  // Polled often: a loopback upload of tens of MiB is over in a fraction of a second.
  for (let round = 0; round < 6_000; round++) {
    if (uploadTemporaries(server).some((name) => !earlier.has(name) && sizeOf(join(casDir(server), name)) > 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("timed out after 30 s waiting for an upload to arrive");
}

/**
 * Resolves once a staging directory in `dir` holds received bytes: a download is under way (bounded).
 *
 * @example
 * await downloading(farm.workDir);
 */
export function downloading(dir: string): Promise<void> {
  return waitFor(() => stagingDirs(dir).some((name) => treeSize(join(dir, name)) > 0), 30_000, "a download to arrive");
}

/**
 * Resolves once `server` has a connection (a per-connection sshd process) (bounded).
 *
 * @example
 * await connecting(server);
 */
export function connecting(server: TestSshd): Promise<void> {
  return waitFor(() => server.sessionPids().length > 0, 30_000, "a connection");
}

/**
 * Hidden staging directories in `dir`.
 *
 * @example
 * stagingDirs(farm.workDir); // [] when no download is in progress or left over
 */
export function stagingDirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith(".offload-")) : [];
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function treeSize(path: string): number {
  let total = 0;
  const stack = [path];
  for (let seen = 0; stack.length > 0 && seen < 10_000; seen++) {
    const current = stack.pop()!;
    try {
      const info = statSync(current);
      if (info.isDirectory()) for (const name of readdirSync(current)) stack.push(join(current, name));
      else total += info.size;
    } catch {
      // Moved or removed meanwhile.
    }
  }
  return total;
}

/**
 * Run one small job with an output on machine `index` alone (a new engine
 * with its own state, so the earlier failure's back-off does not keep it
 * away), then check that nothing of earlier jobs is left there or in the
 * work directory, and that no slot is held.
 *
 * @example
 * await nextRunLeavesNothing(farm, 0);
 */
export async function nextRunLeavesNothing(farm: OffloadFarm, index: number): Promise<void> {
  const server = farm.servers[index]!;
  const machine = farm.machines[index]!;
  const stateDir = tempDir("offload-chaos-state-");
  mkdirSync(stateDir, { recursive: true });
  const offloader = new Offloader({ machines: [machine], stateDir, retries: 0, waitMs: 10_000 });
  try {
    const report = await offloader.run(jobSpec(farm, ["sh", "-c", "echo next > next-run.txt"], { outputs: ["next-run.txt"] }), sinks());
    assert.equal(report.status, "succeeded", `the next run: ${JSON.stringify(report)}`);
  } finally {
    offloader.close();
  }
  assert.deepEqual(leftoverJobs(server), [], "no remote scratch directory after the next run");
  assert.deepEqual(uploadTemporaries(server), [], "no upload temporary after the next run");
  assert.deepEqual(stagingDirs(farm.workDir), [], "no staging directory after the next run");
  for (const each of farm.machines) assert.equal(slotsInUse(each, farm.stateDir), 0, "no slot held");
}

/**
 * An engine for the farm with quick stall detection.
 *
 * @example
 * const offloader = engine(farm, { retries: 0, stateDir: tempDir() }); // its own back-off and slots
 */
/**
 * Takes every slot of `machine` in `stateDir`, so that a job goes elsewhere
 * first whatever the probes say (on a loaded machine, a probe slower than
 * the others by a quarter second loses its machine the job). Resolves to
 * the release, which may be called more than once.
 *
 * @example
 * const release = await holdSlots(farm.machines[1]!, stateDir);
 * // … the job starts on farm.machines[0] …
 * release();
 */
export async function holdSlots(machine: BuildMachine, stateDir: string): Promise<() => void> {
  const held: Slot[] = [];
  for (let slot = await tryAcquireSlot(machine, stateDir); slot !== null; slot = await tryAcquireSlot(machine, stateDir)) held.push(slot);
  return () => {
    for (const slot of held.splice(0)) slot.release();
  };
}

export function engine(farm: OffloadFarm, options: { retries?: number; machines?: BuildMachine[]; stateDir?: string } = {}): Offloader {
  return new Offloader({
    machines: options.machines ?? farm.machines,
    stateDir: options.stateDir ?? farm.stateDir,
    retries: options.retries ?? 2,
    waitMs: 10_000,
    connect: STALL_DETECTION,
  });
}

export type { OffloadFarm };
