/**
 * Machine selection with Guix's semantics and the fixes users ask for:
 * candidates by system and features; a free slot; normalized load below the
 * machine's overload-threshold; at least 100 MiB free; then the best score
 * of speed and load. Candidates are probed in parallel (Guix probes one at a
 * time), probe results a few seconds old are reused from the state
 * directory, an unreachable machine is skipped and backed off, and when
 * every candidate is busy the job waits for a slot, bounded.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import type { BuildMachine } from "../machines/types.ts";
 * import { SshError } from "../ssh/errors.ts";
 * import { SessionPool } from "../ssh/pool.ts";
 * import type { OffloadError } from "./errors.ts";
 * import { MachineSelector } from "./selector.ts";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const record = { port: 22, systems: ["x86_64-linux"], features: [], parallelBuilds: 1, speed: 1, overloadThreshold: 0.8, problems: [] };
 * const machines = [
 *   { ...record, name: "fast", speed: 2 },
 *   { ...record, name: "busy" },
 *   { ...record, name: "arm", systems: ["aarch64-linux"] },
 * ] as unknown as BuildMachine[];
 * // probes answer here with these loads; without a probe option they go over the pool's connections
 * const loads: Record<string, number> = { fast: 0, busy: 3.9 };
 * const probe = async (machine: BuildMachine) =>
 *   ({ load: [loads[machine.name]!, 0, 0] as [number, number, number], cores: 4, diskFreeBytes: 10e9 });
 * const selector = new MachineSelector(machines, { stateDir, connections: new SessionPool(), probe });
 * const x86 = { system: "x86_64-linux", features: [] };
 * const assessments = await selector.assess(x86, { waitForAllProbes: true });
 * assessments.map((a) => [a.machine.name, a.exclusion?.reason ?? a.score]);
 * // [["fast", 2], ["busy", "overloaded"], ["arm", "other-systems"]]
 * const { machine, slot } = await selector.acquire(x86, { waitMs: 0 });
 * machine.name; // "fast"
 * // its one slot is held now, and busy stays overloaded: nothing to wait for with waitMs 0
 * await selector.acquire(x86, { waitMs: 0 }).catch((error: OffloadError) => error.code); // "wait-timeout"
 * slot.release();
 * await selector.acquire({ system: "riscv64-linux", features: [] }).catch((error: OffloadError) => error.message.split("\n")[0]);
 * // "no machine for system riscv64-linux:"
 * selector.machineFailed(machines[0]!, new SshError("refused", "fast", "connection to fast:22 refused"));
 * (await selector.assess(x86))[0]!.exclusion; // { reason: "backing-off", detail: "connection to fast:22 refused; next try in 10 s" }
 * rmSync(stateDir, { recursive: true });
 */
import type { BuildMachine } from "../machines/types.ts";
import { machineKey } from "../ssh/machine-key.ts";
import { probeStatus } from "../ssh/probe.ts";
import { REMOTE_WORK_DIR } from "../ssh/remote-shell.ts";
import { activeBackoff, backoffFileName, backoffFiles, recordFailure, recordSuccess } from "./backoff.ts";
import type { SessionPool } from "../ssh/pool.ts";
import { firstLine, NoMachineError, OffloadError, type Exclusion } from "./errors.ts";
import { PROBE_MAX_AGE_MS, readProbe, writeProbe, type CachedProbe, type ProbeCacheName, type ProbeFacts } from "./probe-cache.ts";
import { healthProblem, rankBy, requirementMismatch, score, type Requirements } from "./ranking.ts";
import { slotEvents, slotsInUseAll, tryAcquireSlot, type Slot } from "./slots.ts";

/** How long to wait for slower probes once one candidate is known to be usable. */
const PROBE_GRACE_MS = 250;
/** A back-off ending within this long is waited for, like a busy machine (a first failure's back-off is 10 s). */
const BACKOFF_WAIT_MS = 15_000;

/** What selection learned about one machine. */
export interface Assessment {
  machine: BuildMachine;
  /** Why it cannot take the job now, or null if it can. */
  exclusion: Exclusion | null;
  /** Slots held on this host when assessed. */
  slotsUsed: number;
  facts: ProbeFacts | null;
  /** Epoch ms of the probe behind `facts`. */
  probedAt: number | null;
  /** Whether `facts` came from the cache rather than a probe just now. */
  cached: boolean;
  /** Score (higher is better) when eligible. */
  score: number | null;
}

/** A machine chosen for a job, with its slot held. */
export interface Choice {
  machine: BuildMachine;
  slot: Slot;
  assessment: Assessment;
  /** Milliseconds spent waiting for a free slot. */
  waitedMs: number;
}

/** Options of the selector. */
export interface SelectorOptions {
  stateDir: string;
  /** Where probes get their connection. */
  connections: SessionPool;
  /** Reuse probe results up to this old; default {@link PROBE_MAX_AGE_MS}. */
  probeMaxAgeMs?: number;
  /** Where probe results are shared; default `probes` (the work directory's free space). */
  probeCache?: ProbeCacheName;
  /** Give up on a probe after this long; default 15 s. */
  probeTimeoutMs?: number;
  /** How to probe a machine; default one status command over the pooled connection. */
  probe?: (machine: BuildMachine) => Promise<ProbeFacts>;
}

/** Options of one assessment. */
export interface AssessOptions {
  /** Machines ({@link machineKey}) that already failed this job. */
  exclude?: ReadonlySet<string>;
  /** Wait for every probe (dry runs) rather than deciding once one candidate is usable. */
  waitForAllProbes?: boolean;
}

/** Options of {@link MachineSelector.acquire}. */
export interface AcquireOptions extends AssessOptions {
  /** Longest wait for a free slot, in milliseconds (default: one hour). */
  waitMs?: number;
  signal?: AbortSignal;
  /** Called once when the job starts waiting because every candidate is busy. */
  onWait?: (assessments: readonly Assessment[]) => void;
}

const TRANSIENT: ReadonlySet<Exclusion["reason"]> = new Set(["busy", "overloaded"]);

/** Chooses machines for jobs; one per process is enough. */
export class MachineSelector {
  private readonly inFlight = new Map<string, Promise<ProbeFacts>>();
  private readonly probes = new Map<string, CachedProbe>();
  private readonly probeMaxAgeMs: number;

  constructor(
    readonly machines: readonly BuildMachine[],
    private readonly options: SelectorOptions,
  ) {
    this.probeMaxAgeMs = options.probeMaxAgeMs ?? PROBE_MAX_AGE_MS;
  }

  /**
   * Assess every machine for `requirements` now (probing where needed).
   */
  async assess(requirements: Requirements, options: AssessOptions = {}): Promise<Assessment[]> {
    const now = Date.now();
    const assessments: Assessment[] = [];
    const toProbe: Assessment[] = [];
    // One look each at the kernel's socket table and the back-off directory, not one per machine.
    const held = slotsInUseAll(this.machines, this.options.stateDir);
    const backingOff = backoffFiles(this.options.stateDir);
    for (const [index, machine] of this.machines.entries()) {
      const assessment: Assessment = { machine, exclusion: null, slotsUsed: 0, facts: null, probedAt: null, cached: false, score: null };
      assessments.push(assessment);
      const base = { machine: machine.name, port: machine.port };
      assessment.exclusion = requirementMismatch(machine, requirements);
      if (assessment.exclusion !== null) continue;
      if (options.exclude?.has(machineKey(machine))) {
        assessment.exclusion = { ...base, reason: "already-failed", detail: "" };
        continue;
      }
      const backoff = backingOff.has(backoffFileName(machine)) ? activeBackoff(machine, this.options.stateDir, now) : null;
      if (backoff !== null) {
        const seconds = Math.ceil((backoff.until - now) / 1000);
        assessment.exclusion = { ...base, reason: "backing-off", detail: `${backoff.lastError}; next try in ${seconds} s` };
        continue;
      }
      assessment.slotsUsed = held[index]!;
      if (assessment.slotsUsed >= Math.floor(machine.parallelBuilds)) {
        assessment.exclusion = { ...base, reason: "busy", detail: `${assessment.slotsUsed} of ${Math.floor(machine.parallelBuilds)} slots in use` };
        continue;
      }
      const cached = this.recentProbe(machine, now);
      if (cached !== null) {
        assessment.facts = cached.facts;
        assessment.probedAt = cached.at;
        assessment.cached = true;
      } else toProbe.push(assessment);
    }
    const haveUsable = assessments.some((a) => a.exclusion === null && a.facts !== null && healthProblem(a.machine, a.facts) === null);
    await this.probeAll(toProbe, options.waitForAllProbes === true, haveUsable);
    for (const assessment of assessments) {
      if (assessment.exclusion !== null || assessment.facts === null) continue;
      assessment.exclusion = healthProblem(assessment.machine, assessment.facts);
      if (assessment.exclusion === null) assessment.score = score(assessment.machine, assessment.facts, assessment.slotsUsed);
    }
    return assessments;
  }

  /**
   * Choose a machine and hold one of its slots. Waits while every usable
   * candidate is busy or overloaded (up to `waitMs`); throws
   * {@link NoMachineError} when no machine can take the job at all, and an
   * OffloadError `wait-timeout` when the wait runs out.
   */
  async acquire(requirements: Requirements, options: AcquireOptions = {}): Promise<Choice> {
    const started = Date.now();
    const deadline = started + (options.waitMs ?? 3_600_000);
    let announced = false;
    for (let round = 0; ; round++) {
      if (options.signal?.aborted) throw new OffloadError("cancelled", "cancelled while choosing a machine");
      const assessments = await this.assess(requirements, options);
      const eligible = rankBy(
        assessments.filter((a) => a.exclusion === null && a.score !== null),
        (a) => a.score!,
      );
      for (const assessment of eligible) {
        const slot = await tryAcquireSlot(assessment.machine, this.options.stateDir);
        if (slot !== null) return { machine: assessment.machine, slot, assessment, waitedMs: Date.now() - started };
        assessment.exclusion = { machine: assessment.machine.name, port: assessment.machine.port, reason: "busy", detail: "slot taken meanwhile" };
      }
      const exclusions = assessments.map((a) => a.exclusion!).filter((e) => e !== null);
      const canWait = assessments.some((a) => a.exclusion !== null && (TRANSIENT.has(a.exclusion.reason) || this.backOffEndsSoon(a, deadline)));
      if (!canWait) throw new NoMachineError(requirements.system, requirements.features, exclusions);
      const left = deadline - Date.now();
      if (left <= 0) {
        const error = new NoMachineError(requirements.system, requirements.features, exclusions);
        throw new OffloadError("wait-timeout", `waited ${Math.round((Date.now() - started) / 1000)} s for a free machine; ${error.message}`);
      }
      if (!announced) {
        announced = true;
        options.onWait?.(assessments);
      }
      await this.waitForChange(Math.min(left, pollDelay(round)), options.signal);
    }
  }

  /**
   * Remember that `machine` failed to answer (a probe, or a job's
   * connection): it is backed off, for every offload process on this host.
   * `since` is when the failing work began: a failure recorded after that
   * is the same incident (backoff.ts).
   */
  machineFailed(machine: BuildMachine, error: unknown, since?: number): void {
    recordFailure(machine, this.options.stateDir, firstLine(error), Date.now(), since);
  }

  /**
   * Whether a backed-off machine is worth waiting for: its back-off ends
   * within {@link BACKOFF_WAIT_MS} and before the wait does. A machine that
   * just crashed and came back gets its jobs again; one that keeps failing
   * (its back-off doubles past that) is given up on at once.
   */
  private backOffEndsSoon(assessment: Assessment, deadline: number): boolean {
    if (assessment.exclusion?.reason !== "backing-off") return false;
    const now = Date.now();
    const until = activeBackoff(assessment.machine, this.options.stateDir, now)?.until ?? now;
    return until - now <= BACKOFF_WAIT_MS && until <= deadline;
  }

  /** Sleep until a slot is released in this process, the delay passes, or the signal fires. */
  private waitForChange(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        slotEvents.off("release", done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      slotEvents.on("release", done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Probe machines in parallel. Unless `all` is set, stop waiting shortly
   * after the first usable answer: a slow or dead machine must not delay
   * every job (its probe goes on in the background and is cached).
   */
  private async probeAll(targets: Assessment[], all: boolean, haveUsable: boolean): Promise<void> {
    if (targets.length === 0) return;
    const signal: { firstUsable: () => void } = { firstUsable: () => undefined };
    const usable = new Promise<void>((resolve) => (signal.firstUsable = resolve));
    if (haveUsable) signal.firstUsable();
    const probes = targets.map(async (assessment) => {
      try {
        const facts = await this.probeShared(assessment.machine);
        assessment.facts = facts;
        assessment.probedAt = Date.now();
        if (healthProblem(assessment.machine, facts) === null) signal.firstUsable();
      } catch (error) {
        assessment.exclusion = {
          machine: assessment.machine.name,
          port: assessment.machine.port,
          reason: "unreachable",
          detail: firstLine(error),
        };
      }
    });
    const everything = Promise.all(probes).then(() => undefined);
    if (all) {
      await everything;
      return;
    }
    await Promise.race([everything, usable.then(() => sleep(PROBE_GRACE_MS))]);
    for (const assessment of targets) {
      if (assessment.facts === null && assessment.exclusion === null) {
        assessment.exclusion = { machine: assessment.machine.name, port: assessment.machine.port, reason: "unreachable", detail: "still connecting" };
      }
    }
  }

  /** A probe result young enough to reuse: this process's own, else the shared cache's. */
  private recentProbe(machine: BuildMachine, now: number): CachedProbe | null {
    const key = machineKey(machine);
    const own = this.probes.get(key);
    if (own !== undefined && now - own.at <= this.probeMaxAgeMs) return own;
    const shared = readProbe(machine, this.options.stateDir, this.probeMaxAgeMs, now, this.options.probeCache);
    if (shared !== null) this.probes.set(key, shared);
    return shared;
  }

  /** One probe per machine at a time in this process; results go to the shared cache. */
  private probeShared(machine: BuildMachine): Promise<ProbeFacts> {
    const key = machineKey(machine);
    const existing = this.inFlight.get(key);
    if (existing !== undefined) return existing;
    const probing = this.probeOnce(machine).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, probing);
    return probing;
  }

  private async probeOnce(machine: BuildMachine): Promise<ProbeFacts> {
    try {
      const facts = this.options.probe !== undefined ? await this.options.probe(machine) : await this.defaultProbe(machine);
      this.probes.set(machineKey(machine), writeProbe(machine, this.options.stateDir, facts, Date.now(), this.options.probeCache));
      recordSuccess(machine, this.options.stateDir);
      return facts;
    } catch (error) {
      this.machineFailed(machine, error);
      throw error;
    }
  }

  private async defaultProbe(machine: BuildMachine): Promise<ProbeFacts> {
    const session = await this.options.connections.get(machine);
    const status = await probeStatus(session, { workDir: REMOTE_WORK_DIR, timeoutMs: this.options.probeTimeoutMs });
    return { load: status.load, cores: status.cores, diskFreeBytes: status.diskFreeBytes };
  }
}

/** Poll delays while waiting: quick at first, then every half second. */
function pollDelay(round: number): number {
  return Math.min(500, 25 * 2 ** Math.min(round, 5));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
