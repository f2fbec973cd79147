/**
 * Failure back-off for machines that cannot be reached, persisted in the state
 * directory so that every offload process on the host benefits: a dead
 * machine costs one connect timeout, then is skipped for a while (doubling on
 * each further failure), instead of costing every job a timeout (Nix #13513).
 *
 * @example
 * import { activeBackoff, readBackoff, recordFailure, recordSuccess } from "./backoff.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * recordFailure(machine, stateDir, "connection refused", 1_000_000);
 * const during = activeBackoff(machine, stateDir, 1_005_000);
 * const after = activeBackoff(machine, stateDir, 1_010_000);
 * recordSuccess(machine, stateDir);
 * const forgotten = readBackoff(machine, stateDir);
 * rmSync(stateDir, { recursive: true });
 * // skipped for 10 s after a first failure
 * during; // { failures: 1, until: 1010000, lastError: "connection refused" }
 * after; // null
 * forgotten; // null
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
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * const before = backoffFiles(stateDir).size;
 * recordFailure(machine, stateDir, "connection refused");
 * const after = [...backoffFiles(stateDir)];
 * rmSync(stateDir, { recursive: true });
 * before; // 0
 * after; // ["build1:22.json"]
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
 * backoffDelay(20); // 600000
 */
export function backoffDelay(failures: number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(BACKOFF_BASE_MS * 2 ** exponent, BACKOFF_MAX_MS);
}

/**
 * The stored record (active or expired), or null.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * recordFailure(machine, stateDir, "connection refused", 0);
 * recordFailure(machine, stateDir, "no answer to keep-alives", 10_000);
 * const record = readBackoff(machine, stateDir);
 * rmSync(stateDir, { recursive: true });
 * // the second failure in a row doubles the delay
 * record; // { failures: 2, until: 30000, lastError: "no answer to keep-alives" }
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
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * recordFailure(machine, stateDir, "connection refused", 0);
 * const during = activeBackoff(machine, stateDir, 9_999);
 * const after = activeBackoff(machine, stateDir, 10_000);
 * rmSync(stateDir, { recursive: true });
 * during?.failures; // 1
 * after; // null
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
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * const first = recordFailure(machine, stateDir, "connection lost", 1_000, 500);
 * // another job that began at 500 lost the same connection: the same failure
 * const same = recordFailure(machine, stateDir, "connection lost", 1_200, 500);
 * const next = recordFailure(machine, stateDir, "connection refused", 20_000);
 * rmSync(stateDir, { recursive: true });
 * first; // { failures: 1, until: 11000 }
 * same; // { failures: 1, until: 11000 }
 * next; // { failures: 2, until: 40000 }
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
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * recordFailure(machine, stateDir, "connection refused");
 * recordSuccess(machine, stateDir);
 * const files = backoffFiles(stateDir).size;
 * rmSync(stateDir, { recursive: true });
 * files; // 0
 */
export function recordSuccess(machine: MachineKey, stateDir: string): void {
  if (readBackoff(machine, stateDir) !== null) removeFile(backoffFile(machine, stateDir));
}
