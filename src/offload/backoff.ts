/**
 * Failure back-off for machines that cannot be reached, persisted in the state
 * directory so that every offload process on the host benefits: a dead
 * machine costs one connect timeout, then is skipped for a while (doubling on
 * each further failure), instead of costing every job a timeout (Nix #13513).
 *
 * @example
 * import { activeBackoff, recordFailure, recordSuccess } from "./backoff.ts";
 * recordFailure(machine, stateDir, "connection refused");
 * activeBackoff(machine, stateDir); // { failures: 1, until: …, lastError: "connection refused" }
 * recordSuccess(machine, stateDir);
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { BuildMachine } from "../machines/types.ts";
import { asObject, readJsonFile, removeFile, writeJsonFile } from "./json-file.ts";
import { machineFileName } from "./state-dir.ts";

type MachineKey = Pick<BuildMachine, "name" | "port">;

/** The remembered failures of one machine. */
export interface BackoffRecord {
  /** Consecutive failures. */
  failures: number;
  /** Epoch milliseconds until which the machine is skipped. */
  until: number;
  lastError: string;
}

/** First back-off delay, doubled on each consecutive failure. */
const BACKOFF_BASE_MS = 10_000;
/** The longest a machine is skipped after failures. */
export const BACKOFF_MAX_MS = 10 * 60_000;

function backoffFile(machine: MachineKey, stateDir: string): string {
  return join(stateDir, "backoff", backoffFileName(machine));
}

/**
 * The name of a machine's back-off file in `<state>/backoff/`.
 *
 * @example
 * backoffFileName({ name: "b", port: 22 }); // "b:22.json"
 */
export function backoffFileName(machine: MachineKey): string {
  return `${machineFileName(machine)}.json`;
}

/**
 * The names of the back-off files that exist (one directory read, so
 * machines without failures cost no file access).
 *
 * @example
 * backoffFiles(stateDir).has(backoffFileName(machine));
 */
export function backoffFiles(stateDir: string): Set<string> {
  try {
    return new Set(readdirSync(join(stateDir, "backoff")));
  } catch {
    return new Set();
  }
}

/**
 * The delay after `failures` consecutive failures.
 *
 * @example
 * backoffDelay(1); // 10000
 * backoffDelay(3); // 40000
 */
export function backoffDelay(failures: number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(BACKOFF_BASE_MS * 2 ** exponent, BACKOFF_MAX_MS);
}

/**
 * The stored record (active or expired), or null.
 *
 * @example
 * readBackoff(machine, stateDir)?.failures; // 2
 */
export function readBackoff(machine: MachineKey, stateDir: string): BackoffRecord | null {
  const data = asObject(readJsonFile(backoffFile(machine, stateDir)));
  if (data === undefined) return null;
  const { failures, until, lastError } = data;
  if (typeof failures !== "number" || typeof until !== "number" || typeof lastError !== "string") return null;
  return { failures, until, lastError };
}

/**
 * The record if the machine is still being skipped at `now`, else null.
 *
 * @example
 * if (activeBackoff(machine, stateDir)) skip(machine);
 */
export function activeBackoff(machine: MachineKey, stateDir: string, now: number = Date.now()): BackoffRecord | null {
  const record = readBackoff(machine, stateDir);
  return record !== null && record.until > now ? record : null;
}

/**
 * Remember one more failure; returns the new record. With `since` (when the
 * failing work began), a failure already recorded since then is taken as the
 * same incident — four jobs on a machine that crashed are one failure, not
 * four doublings of its back-off — and the record is left as it is.
 *
 * @example
 * recordFailure(machine, stateDir, "timed out after 30 s").until; // now + 10 s
 * recordFailure(machine, stateDir, "connection lost", Date.now(), attemptStartedAt); // no second doubling for the same crash
 */
export function recordFailure(machine: MachineKey, stateDir: string, error: string, now: number = Date.now(), since?: number): BackoffRecord {
  const previous = readBackoff(machine, stateDir);
  if (previous !== null && since !== undefined && previous.until > now && recordedAt(previous) >= since) return previous;
  const failures = (previous?.failures ?? 0) + 1;
  const record: BackoffRecord = { failures, until: now + backoffDelay(failures), lastError: error };
  writeJsonFile(backoffFile(machine, stateDir), record);
  return record;
}

/** When a record was written: its delay before its end. */
function recordedAt(record: BackoffRecord): number {
  return record.until - backoffDelay(record.failures);
}

/**
 * Forget the machine's failures (it answered).
 *
 * @example
 * recordSuccess(machine, stateDir);
 * readBackoff(machine, stateDir); // null
 */
export function recordSuccess(machine: MachineKey, stateDir: string): void {
  if (readBackoff(machine, stateDir) !== null) removeFile(backoffFile(machine, stateDir));
}
