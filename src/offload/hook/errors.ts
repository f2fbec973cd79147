/**
 * Errors of the build hook. Each has a stable `code`, and each knows how the
 * daemon must see it: a permanent build failure (exit 100), a timeout (101)
 * or a transient failure (any other status; 1 here, as Guix's `leave`).
 *
 * @example
 * import { exitStatusOf, HookError } from "./errors.ts";
 * // runHook reports a failure on the reply pipe and exits with the status the daemon reads
 * const error = new HookError("build-failed", "builder for /gnu/store/abc-x.drv failed", { machine: "build1" });
 * [error.code, error.machine, exitStatusOf(error)]; // ["build-failed", "build1", 100]
 */

/** Stable failure codes of the hook. */
export type HookErrorCode =
  /** The command line is not `SYSTEM MAX-SILENT-TIME PRINT-BUILD-TRACE BUILD-TIMEOUT`. */
  | "invalid-arguments"
  /** A request line from the daemon does not have the daemon's shape. */
  | "invalid-request"
  /** The daemon closed the pipe or sent something else than the protocol allows. */
  | "daemon-protocol"
  /** The machines file cannot be loaded. */
  | "machines-file"
  /** A configuration file of this host (ACL, signing key) cannot be used. */
  | "configuration"
  /** Something went wrong talking to the build machine (connection, transfer, remote command). */
  | "remote"
  /** A store item coming back was refused (signature, ACL, unsafe archive, wrong path). */
  | "refused-item"
  /** The remote build failed. */
  | "build-failed"
  /** The remote build, or the whole offload, ran out of time. */
  | "timed-out"
  /** Writing the outputs into the local store failed. */
  | "local-store";

/** How the daemon treats a hook's exit status (nix/libstore/build.cc, DerivationGoal::buildDone). */
export type HookExitStatus = 0 | 1 | 100 | 101;

/** Exit statuses by meaning. */
export const HOOK_EXIT = {
  /** The outputs are in the store. */
  success: 0,
  /** Anything else: the daemon reports `@ hook-failed` and does not cache the failure. */
  transient: 1,
  /** The build itself failed: `@ build-failed`, cached with --cache-failures. */
  buildFailure: 100,
  /** The build timed out. */
  timeout: 101,
} as const satisfies Record<string, HookExitStatus>;

/**
 * A failure of the hook.
 *
 * @example
 * const error = new HookError("remote", "failed to connect to 'build1': connection refused", { machine: "build1" });
 * [error.code, error.machine]; // ["remote", "build1"]
 * // a transient failure for the daemon
 * exitStatusOf(error); // 1
 */
export class HookError extends Error {
  override readonly name: string = "HookError";
  /** The build machine concerned, when there is one. */
  readonly machine: string | undefined;

  constructor(
    readonly code: HookErrorCode,
    message: string,
    options: { cause?: unknown; machine?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.machine = options.machine;
  }
}

/**
 * The exit status the daemon must see for a failure.
 *
 * @example
 * exitStatusOf(new HookError("build-failed", "builder for /gnu/store/abc-x.drv failed")); // 100
 * exitStatusOf(new HookError("timed-out", "timed out after 3600 s")); // 101
 * exitStatusOf(new Error("anything else"));         // 1
 */
export function exitStatusOf(error: unknown): HookExitStatus {
  if (!(error instanceof HookError)) return HOOK_EXIT.transient;
  if (error.code === "build-failed") return HOOK_EXIT.buildFailure;
  if (error.code === "timed-out") return HOOK_EXIT.timeout;
  return HOOK_EXIT.transient;
}
