/**
 * Where the engine's remote scripts run: an SSH session (each script a new
 * channel through the login shell) or a leased runner (runner.ts: no new
 * session, no login shell). Both run plain scripts and supervised jobs the
 * same way as far as their callers can tell; job scripts for a runner are
 * made with jobScript's `underRunner`.
 *
 * @example
 * import { scriptOutput, type ScriptHost } from "./script-host.ts";
 * const host: ScriptHost = (await session.leaseRunner()) ?? session;
 * await scriptOutput(host, "uname -m"); // the machine's architecture and a newline, e.g. x86_64
 */
import type { BuildMachine } from "../machines/types.ts";
import { SshError } from "./errors.ts";
import type { RemoteCommand, SupervisedProcess } from "./remote-process.ts";
import type { SshSession } from "./session.ts";

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
 * import { spawnSync } from "node:child_process";
 * import type { BuildMachine } from "../machines/types.ts";
 * import type { SshError } from "./errors.ts";
 * // a host that runs scripts here with sh, as a session runs them on its machine
 * const local = {
 *   machine: { name: "localhost" } as BuildMachine,
 *   runScript: async (script: string) => {
 *     const run = spawnSync("sh", ["-c", script]);
 *     return { stdout: run.stdout, stderr: run.stderr, code: run.status, signal: run.signal };
 *   },
 * } as unknown as ScriptHost;
 * await scriptOutput(local, "echo hi", { timeoutMs: 5000 }); // "hi\n"
 * await scriptOutput(local, "echo one >&2; echo two >&2; exit 3").catch((error: SshError) => [error.code, error.message]);
 * // ["remote-command-failed", "a script failed on localhost with status 3: one / two"]
 */
export async function scriptOutput(host: ScriptHost, script: string, options: ScriptOptions = {}): Promise<string> {
  const result = await host.runScript(script, options);
  if (result.code !== 0) {
    const status = result.code === null ? `signal ${result.signal ?? "unknown"}` : `status ${result.code}`;
    const detail = result.stderr.toString("utf8").trim().split("\n").slice(-3).join(" / ");
    throw new SshError(
      "remote-command-failed",
      host.machine.name,
      `a script failed on ${host.machine.name} with ${status}${detail === "" ? "" : `: ${detail}`}`,
    );
  }
  return result.stdout.toString("utf8");
}

/**
 * Call `use` with the host where a few short plain scripts start fastest:
 * through a connection holder, one of its ready runners (no new channel,
 * no login shell), leased for the call; else the session itself (starting
 * a runner for a few scripts would cost a login shell as well).
 *
 * @example
 * const load = await withScriptHost(session, (host) => scriptOutput(host, "cat /proc/loadavg", { timeoutMs: 15_000 }));
 */
export async function withScriptHost<T>(session: SshSession, use: (host: ScriptHost) => Promise<T>): Promise<T> {
  const lease = session.viaHolder ? await session.leaseRunner().catch(() => null) : null;
  try {
    return await use(lease ?? session);
  } finally {
    await lease?.release().catch(() => undefined);
  }
}
