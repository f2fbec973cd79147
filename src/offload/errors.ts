/**
 * Errors of the offload engine. Each has a stable `code` so the CLI can pick
 * an exit status and tests can assert on the kind of failure, not on wording.
 *
 * @example
 * import { OffloadError } from "./errors.ts";
 * try { await runJob(spec); }
 * catch (error) { if (error instanceof OffloadError && error.code === "no-machine") process.exitCode = 1; }
 */
import { errorMessage } from "../ssh/errors.ts";
import { machineKey } from "../ssh/machine-key.ts";

/** Stable failure codes of the engine. */
export type OffloadErrorCode =
  | "no-machine"
  | "wait-timeout"
  | "invalid-job"
  | "input-unreadable"
  | "remote-setup-failed"
  | "transfer-failed"
  | "output-missing"
  | "output-escapes"
  | "output-corrupt"
  | "remote-disk-full"
  | "local-write-failed"
  | "cancelled"
  | "retries-exhausted";

/** A failure of the offload engine. */
export class OffloadError extends Error {
  override readonly name: string = "OffloadError";

  constructor(
    readonly code: OffloadErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Why one machine was not chosen for a job. */
export interface Exclusion {
  machine: string;
  port: number;
  reason:
    | "invalid-record"
    | "other-systems"
    | "missing-features"
    | "no-slots-configured"
    | "backing-off"
    | "unreachable"
    | "overloaded"
    | "low-disk"
    | "busy"
    | "already-failed";
  /** Human detail, e.g. "load 0.93 >= 0.80" or the SSH error message. */
  detail: string;
}

/**
 * No machine can take the job now: every machine was excluded, each with a
 * reason. The message lists them, one line per machine.
 *
 * @example
 * const error = new NoMachineError("aarch64-linux", ["kvm"], [
 *   { machine: "build1", port: 22, reason: "other-systems", detail: "x86_64-linux" },
 *   { machine: "build2", port: 2222, reason: "overloaded", detail: "load 0.93 >= 0.80" },
 * ]);
 * error.code; // "no-machine"
 * error.message.split("\n");
 * // ["no machine for system aarch64-linux with features kvm:", "  build1:22: other systems (x86_64-linux)",
 * //  "  build2:2222: overloaded (load 0.93 >= 0.80)"]
 * new NoMachineError("x86_64-linux", [], []).message; // "no machine for system x86_64-linux: the machines file lists no machines"
 */
export class NoMachineError extends OffloadError {
  override readonly name: string = "NoMachineError";

  constructor(
    readonly system: string,
    readonly features: readonly string[],
    readonly exclusions: readonly Exclusion[],
  ) {
    super("no-machine", describeNoMachine(system, features, exclusions));
  }
}

/**
 * The human wording of an exclusion reason.
 *
 * @example
 * exclusionText({ machine: "b", port: 22, reason: "low-disk", detail: "50 MiB free" }); // "low on disk space (50 MiB free)"
 */
export function exclusionText(exclusion: Exclusion): string {
  const label: Record<Exclusion["reason"], string> = {
    "invalid-record": "invalid record",
    "other-systems": "other systems",
    "missing-features": "missing features",
    "no-slots-configured": "parallel-builds is 0",
    "backing-off": "unreachable recently, backing off",
    unreachable: "unreachable",
    overloaded: "overloaded",
    "low-disk": "low on disk space",
    busy: "no free slot",
    "already-failed": "already failed for this job",
  };
  return exclusion.detail === "" ? label[exclusion.reason] : `${label[exclusion.reason]} (${exclusion.detail})`;
}

function describeNoMachine(system: string, features: readonly string[], exclusions: readonly Exclusion[]): string {
  const wanted = features.length === 0 ? "" : ` with features ${features.join(", ")}`;
  const head = `no machine for system ${system}${wanted}`;
  if (exclusions.length === 0) return `${head}: the machines file lists no machines`;
  const lines = exclusions.map((e) => `  ${machineKey({ name: e.machine, port: e.port })}: ${exclusionText(e)}`);
  return [`${head}:`, ...lines].join("\n");
}

/**
 * The first line of an error's message, for one-line notices, exclusion
 * details and back-off records.
 *
 * @example
 * firstLine(new Error("host key mismatch for b:22\n  expected: …")); // "host key mismatch for b:22"
 */
export function firstLine(error: unknown): string {
  return errorMessage(error).split("\n")[0]!;
}
