/**
 * Where the engine's remote scripts run: an SSH session (each script a new
 * channel through the login shell) or a leased runner (runner.ts: no new
 * session, no login shell). Both run plain scripts and supervised jobs the
 * same way as far as their callers can tell; job scripts for a runner are
 * made with jobScript's `underRunner`.
 *
 * @example
 * import { scriptOutput, type ScriptHost } from "./script-host.ts";
 * const host: ScriptHost = lease ?? session;
 * await scriptOutput(host, "uname -m"); // "x86_64\n"
 */
import type { BuildMachine } from "../machines/types.ts";
import { SshError } from "./errors.ts";
import type { RemoteCommand, SupervisedProcess } from "./remote-process.ts";

/** A script's collected result. */
export interface ScriptResult {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: string | null;
}

/** Limits of {@link ScriptHost.runScript}. */
export interface ScriptOptions {
  /** Stop the script (and reject with code `timeout`) after this long. */
  timeoutMs?: number;
  /** Per-stream output limit; more rejects with `remote-command-failed`. */
  maxOutputBytes?: number;
}

/** Runs remote scripts. */
export interface ScriptHost {
  readonly machine: BuildMachine;
  /** True when job scripts must be made for a runner (jobScript's `underRunner`). */
  readonly underRunner: boolean;
  /** Run a plain script (no input) to its end. */
  runScript(script: string, options?: ScriptOptions): Promise<ScriptResult>;
  /** Start a plain script (no input) whose output streams. */
  startScript(script: string): Promise<RemoteCommand>;
  /** Start a supervised job script made with start line `token`; `jobId` names its scratch directory. */
  startJob(script: string, token: string, jobId: string): Promise<SupervisedProcess>;
  /** The job's scratch directory is gone (removed by the job or its download): nothing to clean up for it later. */
  forgetJob(jobId: string): void;
}

/**
 * Run a plain script and return its standard output; a non-zero exit
 * rejects with `remote-command-failed` quoting the end of its stderr.
 *
 * @example
 * await scriptOutput(host, "cat /proc/loadavg", { timeoutMs: 5000 }); // "0.10 0.05 0.01 1/123 4567\n"
 */
export async function scriptOutput(host: ScriptHost, script: string, options: ScriptOptions = {}): Promise<string> {
  const result = await host.runScript(script, options);
  if (result.code !== 0) {
    const status = result.code === null ? `signal ${result.signal ?? "unknown"}` : `status ${result.code}`;
    const detail = result.stderr.toString("utf8").trim().split("\n").slice(-3).join(" / ");
    throw new SshError("remote-command-failed", host.machine.name, `a script failed on ${host.machine.name} with ${status}${detail === "" ? "" : `: ${detail}`}`);
  }
  return result.stdout.toString("utf8");
}
