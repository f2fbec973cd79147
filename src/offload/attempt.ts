/**
 * One attempt of a job on one machine: upload what the remote input cache
 * lacks, run the command in a fresh scratch directory (streaming its output),
 * then fetch and verify the outputs and move them into place. SSH failures
 * (a lost connection, a killed sshd) propagate as SshError so the caller can
 * retry elsewhere; a command that exits non-zero is a result, not an error.
 *
 * @example
 * import { runAttempt } from "./attempt.ts";
 * const result = await runAttempt(session, job, inputs, { stdout: process.stdout, stderr: process.stderr });
 * result.exitCode; // the remote command's status
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { SshError } from "../ssh/errors.ts";
import {
  cleanupScript,
  downloadScript,
  jobScript,
  newStartToken,
  OUTPUT_ESCAPES_STATUS,
  OUTPUT_MISSING_STATUS,
  SETUP_FAILED_STATUS,
  stdinScript,
} from "../ssh/remote-shell.ts";
import type { RemoteCommand } from "../ssh/remote-process.ts";
import type { ScriptHost } from "../ssh/script-host.ts";
import type { SshSession } from "../ssh/session.ts";
import { remoteFailure, saysDiskFull } from "./disk-errors.ts";
import { OffloadError } from "./errors.ts";
import type { CollectedInputs } from "./local-inputs.ts";
import { createStagingDir, installOutputs } from "./output-install.ts";
import { receiveOutputs } from "./output-stream.ts";
import type { TransferProgress } from "./progress.ts";
import { throwIfAborted, uploadInputs } from "./transfer.ts";

/** The parts of a job an attempt needs. */
export interface AttemptJob {
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Normalized output paths (relative). */
  outputs: readonly string[];
  /** Local directory the outputs land in. */
  outputDir: string;
  timeoutMs?: number;
  maxSilentMs?: number;
  /** What the command reads on its standard input (forwarded as it comes; destroyed when the job ends); default none (/dev/null). */
  stdin?: Readable;
}

/** The phases of a job, in order. */
export type Phase = "queued" | "upload" | "run" | "download";

/** Where an attempt reports progress and sends the command's output. */
export interface AttemptIo {
  stdout: Writable;
  stderr: Writable;
  onPhase?: (phase: Phase) => void;
  /** Called when the remote command has started (set-up done). */
  onStarted?: () => void;
  /** Called when the job begins reading `stdin`: from then on, the attempt cannot be repeated elsewhere. */
  onStdinUsed?: () => void;
  /** Transfer progress (uploads and downloads that move bytes), a few times a second. */
  onProgress?: (progress: TransferProgress) => void;
  /** The upload is over; `bytes` went into the remote cache. */
  onUploaded?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** How an attempt ended. */
export interface AttemptResult {
  /** The remote command's exit status (null when it died from a signal we could not see). */
  exitCode: number | null;
  /** Set when offload ended the command. */
  killedFor: "timeout" | "silence" | null;
  phaseMs: Record<Exclude<Phase, "queued">, number>;
  bytesUp: number;
  bytesDown: number;
  filesUp: number;
}

/** After asking the remote to stop a command, how long to wait for it to go. */
const STOP_GRACE_MS = 8_000;

/**
 * A new job identifier (used for the remote scratch directory).
 *
 * @example
 * const id = newJobId();
 * // the time in base 36, then 12 random hex digits
 * /^[0-9a-z]+-[0-9a-f]{12}$/.test(id); // true
 * Math.abs(parseInt(id.split("-")[0]!, 36) - Date.now()) < 60_000; // true
 */
export function newJobId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/**
 * Run one attempt of `job` over `session`.
 *
 * @example
 * const { exitCode, killedFor } = await runAttempt(session, job, inputs, { stdout, stderr, signal }); // killedFor: "timeout" after --timeout
 */
export async function runAttempt(
  session: SshSession,
  job: AttemptJob,
  inputs: CollectedInputs,
  io: AttemptIo,
  host: ScriptHost = session,
): Promise<AttemptResult> {
  const jobId = newJobId();
  const phaseMs = { upload: 0, run: 0, download: 0 };
  let started = performance.now();
  io.onPhase?.("upload");
  const upload = await uploadInputs(session, inputs.files, io.signal, io.onProgress, host);
  io.onUploaded?.(upload.bytes);
  phaseMs.upload = performance.now() - started;

  started = performance.now();
  io.onPhase?.("run");
  const run = await runCommand(session, host, job, inputs, jobId, io);
  phaseMs.run = performance.now() - started;

  let bytesDown = 0;
  if (run.exitCode === 0 && run.killedFor === null && job.outputs.length > 0) {
    started = performance.now();
    io.onPhase?.("download");
    bytesDown = await downloadOutputs(host, jobId, job, io.signal, io.onProgress, session);
    phaseMs.download = performance.now() - started;
  } else if (job.outputs.length > 0) {
    await removeScratch(host, jobId, session);
  }
  // Its scratch directory is gone (the job, its download or the clean-up removed it).
  host.forgetJob(jobId);
  return { exitCode: run.exitCode, killedFor: run.killedFor, phaseMs, bytesUp: upload.bytes, bytesDown, filesUp: upload.files };
}

interface CommandOutcome {
  exitCode: number | null;
  killedFor: "timeout" | "silence" | null;
}

/** Run the job's command, supervised (remote-shell.ts), streaming its output and enforcing its limits. */
async function runCommand(
  session: SshSession,
  host: ScriptHost,
  job: AttemptJob,
  inputs: CollectedInputs,
  jobId: string,
  io: AttemptIo,
): Promise<CommandOutcome> {
  throwIfAborted(io.signal);
  const token = newStartToken();
  const stdinFromClient = job.stdin !== undefined;
  const script = jobScript({
    jobId,
    token,
    inputs,
    command: job.command,
    env: job.env,
    cleanUpAfter: job.outputs.length === 0,
    host: session.machine.name,
    stdinFromClient,
    underRunner: host.underRunner,
  });
  const child = await host.startJob(script, token, jobId);
  let killedFor: CommandOutcome["killedFor"] = null;
  let cancelled = false;
  const stop = (reason: "timeout" | "silence" | "cancel"): void => {
    if (reason === "cancel") cancelled = true;
    else killedFor ??= reason;
    child.stop();
    setTimeout(() => child.close(), STOP_GRACE_MS).unref();
  };
  const limits = commandLimits(job, stop);
  void child.started.then((started) => {
    if (!started) return;
    io.onStarted?.();
    limits.start();
    if (job.stdin !== undefined) {
      io.onStdinUsed?.();
      feedStdin(session, jobId, job.stdin, child.exit).catch(() => stop("cancel"));
    }
  });
  const onAbort = (): void => stop("cancel");
  io.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [, , status] = await Promise.all([forward(child.stdout, io.stdout, limits.onOutput), forward(child.stderr, io.stderr, limits.onOutput), child.exit]);
    if (cancelled) throw new OffloadError("cancelled", "cancelled; the remote command was stopped");
    if (!(await child.started)) {
      const detail = (await child.setupOutput).toString("utf8");
      const step = `setting up the job${status.code === SETUP_FAILED_STATUS ? "" : ` (status ${status.code ?? status.signal})`}`;
      throw remoteFailure(session.machine.name, step, detail, "remote-setup-failed", "no message");
    }
    return { exitCode: status.code ?? (status.signal === null ? null : signalStatus(status.signal)), killedFor };
  } finally {
    limits.dispose();
    io.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Send `source` to the started job's standard input (its FIFO) over a plain
 * command of its own, until `source` ends or the job does. The job's end
 * ends the reading too: what it did not read is not read (as with ssh).
 * Rejects when the writer cannot be started (the job would wait for it).
 */
async function feedStdin(session: SshSession, jobId: string, source: Readable, jobExit: Promise<unknown>): Promise<void> {
  const writer = await session.exec(["sh", "-c", stdinScript(jobId)], { stdin: "pipe" });
  writer.stdout.resume();
  writer.stderr.resume();
  source.once("error", () => writer.stdin.end());
  source.pipe(writer.stdin);
  const done = (): void => {
    source.unpipe(writer.stdin);
    source.destroy();
    writer.close();
  };
  jobExit.then(done, done);
}

/**
 * The job's --timeout and --max-silent-time: both count from the command's
 * start; any output restarts the silence timer.
 */
function commandLimits(
  job: Pick<AttemptJob, "timeoutMs" | "maxSilentMs">,
  stop: (reason: "timeout" | "silence") => void,
): { start(): void; onOutput(): void; dispose(): void } {
  let started = false;
  let silenceTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const armSilence = (): void => {
    if (!started || job.maxSilentMs === undefined) return;
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => stop("silence"), job.maxSilentMs);
  };
  return {
    start: () => {
      started = true;
      if (job.timeoutMs !== undefined) timeoutTimer = setTimeout(() => stop("timeout"), job.timeoutMs);
      armSilence();
    },
    onOutput: armSilence,
    dispose: () => {
      clearTimeout(silenceTimer);
      clearTimeout(timeoutTimer);
    },
  };
}

/** Copy `from` into `to` with back-pressure, calling `onData` for every chunk; resolves when `from` ends. */
function forward(from: Readable, to: Writable, onData: () => void): Promise<void> {
  return new Promise((resolve) => {
    from.on("data", (chunk: Buffer) => {
      onData();
      if (!to.write(chunk)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    });
    from.once("end", resolve);
    from.once("close", resolve);
  });
}

/** `promise`, or null if it does not settle within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(null), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The shell's status for a command killed by `signal` (`TERM` → 143), as the remote shell would report it. */
function signalStatus(signal: string): number {
  const signals: Readonly<Record<string, number | undefined>> = constants.signals;
  return 128 + (signals[`SIG${signal.replace(/^SIG/, "")}`] ?? 0);
}

/**
 * Fetch the outputs of finished job `jobId` (its scratch directory must
 * exist remotely), verify them and move them into `job.outputDir`; the
 * remote scratch directory is removed. Returns the bytes received.
 */
async function downloadOutputs(
  session: ScriptHost,
  jobId: string,
  job: Pick<AttemptJob, "outputs" | "outputDir">,
  signal?: AbortSignal,
  onProgress?: (progress: TransferProgress) => void,
  cleanupHost: ScriptHost = session,
): Promise<number> {
  throwIfAborted(signal);
  const staging = createStagingDir(job.outputDir, jobId);
  let child: RemoteCommand | null = null;
  const onAbort = (): void => child?.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    child = await session.startScript(downloadScript(jobId, job.outputs));
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const opened = child;
    let received;
    try {
      received = await receiveOutputs(opened.stdout, staging, job.outputs, onProgress);
    } catch (error) {
      // A truncated stream is explained by the exit status (missing output) or a lost connection.
      const truncated = error instanceof OffloadError && error.code === "transfer-failed";
      let status: { code: number | null } | null = null;
      let lost: unknown = null;
      if (truncated) status = await within(opened.exit, 3_000).catch((failure: unknown) => ((lost = failure), null));
      opened.close();
      throwIfAborted(signal);
      if (lost !== null) throw lost;
      const message = Buffer.concat(stderr).toString("utf8").trim();
      if (status?.code === OUTPUT_MISSING_STATUS) throw new OffloadError("output-missing", message || "an output was not created");
      if (status?.code === OUTPUT_ESCAPES_STATUS) throw new OffloadError("output-escapes", message || "an output escapes the job directory");
      // The remote said why (its disk is full, most often): that, not where our reading stopped.
      if (truncated && saysDiskFull(message)) throw remoteFailure(session.machine.name, "download", message);
      throw error;
    }
    throwIfAborted(signal);
    // Every file matched the remote's hash, so the outputs are complete: install them now,
    // while the remote script is still removing the scratch directory.
    installOutputs(staging, job.outputDir, job.outputs);
    await within(opened.exit, 10_000).catch(() => null);
    return received.bytes;
  } catch (error) {
    // A refused or broken download through a runner closed it: the clean-up goes another way.
    if (!(error instanceof SshError)) await removeScratch(session, jobId, cleanupHost);
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Remove a job's remote scratch directory (best effort, bounded), on `fallback` if `host` cannot. */
async function removeScratch(host: ScriptHost, jobId: string, fallback: ScriptHost = host): Promise<void> {
  try {
    await host.runScript(cleanupScript(jobId), { timeoutMs: 10_000 }).catch((error: unknown) => {
      if (fallback === host) throw error;
      return fallback.runScript(cleanupScript(jobId), { timeoutMs: 10_000 });
    });
  } catch {
    // The remote job script also removes stale directories; nothing more to do here.
  }
}
