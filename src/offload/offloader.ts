/**
 * The offload engine: takes a job (command, inputs, outputs, system,
 * features), chooses a machine and a slot, runs the job there and retries on
 * another machine when the connection fails (a command that exits non-zero
 * is a build failure and is not retried).
 *
 * @example
 * import { Offloader } from "./offloader.ts";
 * const offloader = new Offloader({ machines, stateDir });
 * const report = await offloader.run(
 *   { system: "x86_64-linux", features: [], command: ["make"], env: {}, inputs: ["src"], outputs: ["out"], dir: process.cwd() },
 *   { stdout: process.stdout, stderr: process.stderr },
 * );
 * offloader.close();
 */
import type { Readable, Writable } from "node:stream";
import type { BuildMachine } from "../machines/types.ts";
import { errorMessage, SshError } from "../ssh/errors.ts";
import { machineKey } from "../ssh/machine-key.ts";
import type { HolderSettings } from "../ssh/holder.ts";
import { laneOf, SessionPool } from "../ssh/pool.ts";
import type { ScriptHost } from "../ssh/script-host.ts";
import type { ConnectOptions } from "../ssh/session.ts";
import { runAttempt, type AttemptResult, type Phase } from "./attempt.ts";
import { firstLine, OffloadError, type OffloadErrorCode } from "./errors.ts";
import { normalizeOutputs } from "./job-paths.ts";
import { DEFAULT_CACHE_MAX_BYTES, trimCache } from "./input-cache.ts";
import { removeLeftovers } from "./leftovers.ts";
import { collectInputs, type CollectedInputs } from "./local-inputs.ts";
import { PhaseClock } from "./phase-clock.ts";
import type { TransferProgress } from "./progress.ts";
import { MachineSelector, type Assessment, type Choice } from "./selector.ts";
import { ensureStateDir } from "./state-dir.ts";

/** A job, as `offload run` and each entry of `offload build` describe it. */
export interface JobSpec {
  /** A label for logs and reports. */
  name?: string;
  system: string;
  features: readonly string[];
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Local paths to send (relative ones keep their path in the scratch directory). */
  inputs: readonly string[];
  /** Paths relative to the scratch directory to bring back into `dir`. */
  outputs: readonly string[];
  /** Local directory inputs are relative to and outputs land in. */
  dir: string;
  timeoutMs?: number;
  maxSilentMs?: number;
  /**
   * Standard input for the command, forwarded as it comes (`offload run`
   * passes its own unless that is a terminal or /dev/null); destroyed when
   * the job ends. Without it the command reads /dev/null. Once the command
   * has started reading it, a failed attempt is not repeated elsewhere.
   */
  stdin?: Readable;
}

/** How a job ended. */
export type JobStatus = "succeeded" | "failed" | "timed-out" | "error" | "cancelled";

/** One try on one machine. */
export interface AttemptSummary {
  machine: string;
  error: string | null;
}

/** The outcome of a job, with the numbers `offload build --json` reports. */
export interface JobReport {
  name: string;
  status: JobStatus;
  /** `name:port` of the machine that ran the final attempt. */
  machine: string | null;
  exitCode: number | null;
  /** Set for status "timed-out". */
  killedFor: "timeout" | "silence" | null;
  error: { code: string; message: string } | null;
  attempts: AttemptSummary[];
  /** Time in each phase, over every attempt (failed ones too). */
  phaseMs: Record<Phase, number>;
  /**
   * The phases the job reached, in order: a phase not listed never started
   * (its time is 0). The engine always sets it; reports made elsewhere may not.
   */
  phasesReached?: Phase[];
  bytesUp: number;
  bytesDown: number;
  filesUp: number;
}

/** Where a job's output and progress go. */
export interface JobIo {
  stdout: Writable;
  stderr: Writable;
  /** Phase changes, with the machine once one is chosen. */
  onPhase?: (phase: Phase, machine: BuildMachine | null) => void;
  /** Human notices (waiting for a slot, retrying elsewhere). */
  onNotice?: (message: string) => void;
  /** The remote command has started. */
  onStarted?: (machine: BuildMachine) => void;
  /** Transfer progress of the job's inputs and outputs (progress.ts), a few times a second. */
  onProgress?: (progress: TransferProgress, machine: BuildMachine) => void;
  signal?: AbortSignal;
}

/** Engine options. */
export interface OffloaderOptions {
  machines: readonly BuildMachine[];
  /** State directory (slots, back-off, probe cache); created if missing. */
  stateDir: string;
  /** Other machines to try after a connection failure; default 2. */
  retries?: number;
  /** Longest wait for a free slot, ms; default one hour. */
  waitMs?: number;
  /** Reuse probe results up to this old, ms. */
  probeMaxAgeMs?: number;
  connect?: ConnectOptions;
  /** Size cap of each machine's input cache (input-cache.ts), trimmed after uploads; default 2 GiB. */
  cacheMaxBytes?: number;
  /** Go through connection holders (ssh/holder.ts); default every connection the engine's own. */
  holder?: HolderSettings;
}

/** Failures of one machine's transfer or disk, which another machine may not have. */
const RETRIED_ELSEWHERE: ReadonlySet<OffloadErrorCode> = new Set(["transfer-failed", "remote-setup-failed", "output-corrupt", "remote-disk-full"]);

/**
 * The retry policy: whether a failed attempt is worth another machine (the
 * machine or the network failed, not the job), and whether the machine
 * itself failed (it is then backed off).
 */
function failureKind(error: unknown): "job" | "machine" | "transfer" {
  if (error instanceof SshError) return "machine";
  if (error instanceof OffloadError && RETRIED_ELSEWHERE.has(error.code)) {
    return "transfer";
  }
  return "job";
}

/** A report of a job that has not run yet. */
function emptyReport(spec: JobSpec): JobReport {
  return {
    name: spec.name ?? spec.command.join(" "),
    status: "error",
    machine: null,
    exitCode: null,
    killedFor: null,
    error: null,
    attempts: [],
    phaseMs: { queued: 0, upload: 0, run: 0, download: 0 },
    phasesReached: [],
    bytesUp: 0,
    bytesDown: 0,
    filesUp: 0,
  };
}

/** Add an attempt that ran to its end (whatever the command's status) to the report. */
function foldAttempt(report: JobReport, machine: BuildMachine, result: AttemptResult): void {
  report.attempts.push({ machine: machineKey(machine), error: null });
  // The attempt went through every phase (one with nothing to do took no time).
  for (const phase of ["queued", "upload", "run", "download"] as const) if (!report.phasesReached?.includes(phase)) report.phasesReached?.push(phase);
  report.bytesUp += result.bytesUp;
  report.bytesDown += result.bytesDown;
  report.filesUp += result.filesUp;
  report.exitCode = result.exitCode;
  report.killedFor = result.killedFor;
  report.status = result.killedFor !== null ? "timed-out" : result.exitCode === 0 ? "succeeded" : "failed";
}

/** Runs jobs on the machines; one per process. */
export class Offloader {
  readonly selector: MachineSelector;
  readonly stateDir: string;
  private readonly pool: SessionPool;
  /** Machines whose leftovers this engine has removed (once per machine and process). */
  private readonly swept = new Set<string>();
  /** The cache trim under way on each machine, and whether another upload came since it began. */
  private readonly trims = new Map<string, { again: boolean }>();

  constructor(private readonly options: OffloaderOptions) {
    this.stateDir = ensureStateDir(options.stateDir);
    this.pool = new SessionPool(options.connect, options.holder);
    this.selector = new MachineSelector(options.machines, {
      stateDir: this.stateDir,
      connections: this.pool,
      probeMaxAgeMs: options.probeMaxAgeMs,
    });
  }

  /**
   * Run a job to the end. Never throws for job-level problems: the report
   * says what happened (status, exit code, error).
   *
   * @example
   * import { mkdtempSync, rmSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { PassThrough } from "node:stream";
   * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
   * // a machines file that lists no machines
   * const offloader = new Offloader({ machines: [], stateDir });
   * const spec = { system: "x86_64-linux", features: [], command: ["make"], env: {}, inputs: [], outputs: [], dir: stateDir };
   * const report = await offloader.run(spec, { stdout: new PassThrough(), stderr: new PassThrough() });
   * offloader.close();
   * rmSync(stateDir, { recursive: true });
   * // status is one of succeeded, failed, timed-out, error and cancelled
   * report;
   * // { status: "error", machine: null, exitCode: null, attempts: [],
   * //   error: { code: "no-machine", message: "no machine for system x86_64-linux: the machines file lists no machines" } }
   */
  async run(spec: JobSpec, io: JobIo): Promise<JobReport> {
    const report = emptyReport(spec);
    try {
      await this.runInto(spec, io, report);
    } catch (error) {
      const code = error instanceof OffloadError || error instanceof SshError ? error.code : "internal";
      report.status = code === "cancelled" ? "cancelled" : "error";
      report.error = { code, message: errorMessage(error) };
    }
    return report;
  }

  private async runInto(spec: JobSpec, io: JobIo, report: JobReport): Promise<void> {
    if (spec.command.length === 0) throw new OffloadError("invalid-job", "no command to run");
    const outputs = normalizeOutputs(spec.outputs);
    // The report shares the clock's records, so they are current whatever ends the job.
    const clock = new PhaseClock();
    report.phaseMs = clock.ms;
    report.phasesReached = clock.reached;
    // Hash the inputs while the first machine is being chosen (and connected to).
    const prepared = performance.now();
    const collecting = collectInputs(spec.inputs, spec.dir).then((inputs) => {
      clock.add("upload", performance.now() - prepared);
      return inputs;
    });
    // Stop choosing a machine if the inputs turn out to be unreadable.
    const choosing = new AbortController();
    collecting.catch(() => choosing.abort());
    const stopChoosing = (): void => choosing.abort();
    io.signal?.addEventListener("abort", stopChoosing, { once: true });
    try {
      await this.attempts({ spec, io, report, outputs, collecting, choosing: choosing.signal, clock });
    } finally {
      clock.stop();
      io.signal?.removeEventListener("abort", stopChoosing);
    }
  }

  /** Up to 1 + `retries` attempts, each on a machine that has not failed this job yet. */
  private async attempts(job: JobRun): Promise<void> {
    const failed = new Set<string>();
    const retries = Math.max(0, this.options.retries ?? 2);
    let lastError: unknown = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const choice = await this.choose(job, failed, lastError);
      const attemptStarted = Date.now();
      try {
        foldAttempt(job.report, choice.machine, await this.attemptOn(choice, job));
        return;
      } catch (error) {
        job.report.attempts.push({ machine: machineKey(choice.machine), error: errorMessage(error) });
        const kind = failureKind(error);
        // Input already read cannot be sent again: such an attempt is the only one.
        if (kind === "job" || job.io.signal?.aborted === true || job.stdinUsed) throw error;
        // Other jobs on the machine may have reported the same incident already: counted once.
        if (kind === "machine") this.selector.machineFailed(choice.machine, error, attemptStarted);
        failed.add(machineKey(choice.machine));
        lastError = error;
        if (attempt === retries) {
          throw new OffloadError("retries-exhausted", `gave up after ${attempt + 1} attempt(s); last: ${errorMessage(error)}`, { cause: error });
        }
        job.io.onNotice?.(`${machineKey(choice.machine)} failed (${firstLine(error)}); retrying on another machine`);
      } finally {
        job.clock.stop();
        choice.slot.release();
      }
    }
  }

  /** A machine and a slot for the next attempt; explains a dead end in terms of the previous failure. */
  private async choose(job: JobRun, failed: ReadonlySet<string>, lastError: unknown): Promise<Choice> {
    job.clock.enter("queued");
    job.io.onPhase?.("queued", null);
    const choice = await this.selector
      .acquire(
        { system: job.spec.system, features: job.spec.features },
        {
          exclude: failed,
          waitMs: this.options.waitMs,
          signal: job.choosing,
          onWait: (assessments) => job.io.onNotice?.(waitNotice(assessments)),
        },
      )
      .catch(async (error: unknown) => {
        if (job.choosing.aborted && job.io.signal?.aborted !== true) await job.collecting; // throws why the inputs failed
        if (lastError === null || !(error instanceof OffloadError) || error.code === "cancelled") throw error;
        throw new OffloadError("retries-exhausted", `${firstLine(lastError)}; no other machine to retry on: ${error.message}`, { cause: lastError });
      });
    job.report.machine = machineKey(choice.machine);
    return choice;
  }

  private async attemptOn({ machine, slot }: Choice, job: JobRun): Promise<AttemptResult> {
    const [inputs, session] = await Promise.all([job.collecting, this.pool.get(machine, laneOf(slot.index))]);
    const { spec, io } = job;
    // A runner: the job and its scripts cost no new session or login shell (else the session itself).
    const lease = await session.leaseRunner();
    const host: ScriptHost = lease ?? session;
    let uploaded = false;
    try {
      const result = await runAttempt(
        session,
        {
          command: spec.command,
          env: spec.env,
          outputs: job.outputs,
          outputDir: spec.dir,
          timeoutMs: spec.timeoutMs,
          maxSilentMs: spec.maxSilentMs,
          stdin: spec.stdin,
        },
        inputs,
        {
          stdout: io.stdout,
          stderr: io.stderr,
          signal: io.signal,
          onPhase: (phase) => {
            job.clock.enter(phase);
            io.onPhase?.(phase, machine);
          },
          onStarted: () => io.onStarted?.(machine),
          onStdinUsed: () => (job.stdinUsed = true),
          onProgress: io.onProgress === undefined ? undefined : (progress) => io.onProgress?.(progress, machine),
          onUploaded: (bytes) => (uploaded ||= bytes > 0),
        },
        host,
      );
      await this.maintain(machine, host, uploaded, session.viaHolder);
      return result;
    } finally {
      await lease?.release();
    }
  }

  /**
   * After an attempt, on its host: the first time this engine uses the
   * machine (not through a holder, which did it), remove what earlier
   * clients left there (leftovers.ts); after
   * an upload grew its input cache, keep the cache under its cap
   * (input-cache.ts; one trim at a time per machine, an upload meanwhile
   * asks the running one for another round). Never fails the job.
   */
  private async maintain(machine: BuildMachine, host: ScriptHost, uploaded: boolean, viaHolder: boolean): Promise<void> {
    const key = machineKey(machine);
    // A connection holder swept when it connected, and cleans up after the clients it serves itself.
    if (!this.swept.has(key) && !viaHolder) {
      this.swept.add(key);
      // A sweep that failed (a lost connection) is tried again by the next attempt there.
      await removeLeftovers(host).catch(() => this.swept.delete(key));
    }
    if (!uploaded) return;
    const running = this.trims.get(key);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.trims.set(key, state);
    try {
      while (state.again) {
        state.again = false;
        await trimCache(host, { maxBytes: this.options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES }).catch(() => undefined);
      }
    } finally {
      this.trims.delete(key);
    }
  }

  /** Close the engine's connections. */
  close(): void {
    this.pool.closeAll();
  }
}

/** One job on its way through {@link Offloader}: what every step needs. */
interface JobRun {
  spec: JobSpec;
  io: JobIo;
  report: JobReport;
  /** Normalized outputs. */
  outputs: string[];
  collecting: Promise<CollectedInputs>;
  /** Aborted to stop choosing a machine (cancelled, or the inputs cannot be read). */
  choosing: AbortSignal;
  clock: PhaseClock;
  /** Set once an attempt began reading the job's standard input. */
  stdinUsed?: boolean;
}

function waitNotice(assessments: readonly Assessment[]): string {
  const busy = assessments.filter((a) => a.exclusion?.reason === "busy" || a.exclusion?.reason === "overloaded");
  return `waiting for a free machine (${busy.map((a) => `${machineKey(a.machine)}: ${a.exclusion!.reason}`).join(", ")})`;
}
