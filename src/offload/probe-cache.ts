/**
 * Recent probe results, shared through the state directory: a probe that is
 * only seconds old is as good as a new one, and reusing it saves a remote
 * command per machine per job (what makes `offload run` start fast).
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * import { readProbe, writeProbe } from "./probe-cache.ts";
 * writeProbe(machine, stateDir, { load: [0.1, 0.2, 0.3], cores: 4, diskFreeBytes: 5e9 }, 1_000_000);
 * const fresh = readProbe(machine, stateDir, 5000, 1_004_000);
 * const stale = readProbe(machine, stateDir, 5000, 1_006_000);
 * // the build hook's results are kept apart
 * const hooks = readProbe(machine, stateDir, 5000, 1_004_000, "store-probes");
 * rmSync(stateDir, { recursive: true });
 * fresh; // { at: 1000000, facts: { load: [0.1, 0.2, 0.3], cores: 4, diskFreeBytes: 5000000000 } }
 * stale; // null
 * hooks; // null
 */
import { join } from "node:path";
import type { BuildMachine } from "../machines/types.ts";
import { asObject, readJsonFile, writeJsonFile } from "./json-file.ts";
import { machineFileName } from "./state-dir.ts";

type MachineKey = Pick<BuildMachine, "name" | "port">;

/** What selection needs to know about a machine's current state. */
export interface ProbeFacts {
  /** Load averages over 1, 5 and 15 minutes. */
  load: readonly [number, number, number];
  cores: number;
  /** Free bytes in the remote work directory. */
  diskFreeBytes: number;
}

/** A probe result and when it was taken (epoch ms). */
export interface CachedProbe {
  at: number;
  facts: ProbeFacts;
}

/** Probe results younger than this are reused by default. */
export const PROBE_MAX_AGE_MS = 5_000;

/**
 * Which free space a cache's results give: the remote work directory's
 * (`probes`, the engine's) or the remote store's (`store-probes`, the build
 * hook's), so neither reads the other's disk figure.
 */
export type ProbeCacheName = "probes" | "store-probes";

function probeFile(machine: MachineKey, stateDir: string, cache: ProbeCacheName): string {
  return join(stateDir, cache, `${machineFileName(machine)}.json`);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * The cached probe if it is at most `maxAgeMs` old at `now`, else null.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const machine = { name: "build1", port: 22 };
 * writeProbe(machine, stateDir, { load: [0, 0, 0], cores: 4, diskFreeBytes: 5e9 }, 10_000);
 * // taken more than a second after now: this clock went back, the result is not trusted
 * const fromTheFuture = readProbe(machine, stateDir, 5000, 8_000);
 * const missing = readProbe({ name: "build2", port: 22 }, stateDir, 5000, 10_000);
 * rmSync(stateDir, { recursive: true });
 * fromTheFuture; // null
 * missing; // null
 */
export function readProbe(
  machine: MachineKey,
  stateDir: string,
  maxAgeMs: number = PROBE_MAX_AGE_MS,
  now: number = Date.now(),
  cache: ProbeCacheName = "probes",
): CachedProbe | null {
  const data = asObject(readJsonFile(probeFile(machine, stateDir, cache)));
  const facts = asObject(data?.facts);
  if (data === undefined || facts === undefined || !isFiniteNumber(data.at)) return null;
  const { load, cores, diskFreeBytes } = facts;
  if (!Array.isArray(load) || load.length !== 3 || !load.every(isFiniteNumber)) return null;
  if (!isFiniteNumber(cores) || !isFiniteNumber(diskFreeBytes)) return null;
  if (now - data.at > maxAgeMs || data.at > now + 1_000) return null;
  const [one, five, fifteen] = load as number[];
  return { at: data.at, facts: { load: [one!, five!, fifteen!], cores, diskFreeBytes } };
}

/**
 * Store a fresh probe result.
 *
 * @example
 * import { mkdtempSync, readdirSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const stateDir = mkdtempSync(join(tmpdir(), "offload-state-"));
 * const written = writeProbe({ name: "build1", port: 22 }, stateDir, { load: [0, 0, 0], cores: 4, diskFreeBytes: 5e9 }, 1_000_000);
 * const files = readdirSync(join(stateDir, "probes"));
 * rmSync(stateDir, { recursive: true });
 * written.at; // 1000000
 * files; // ["build1:22.json"]
 */
export function writeProbe(machine: MachineKey, stateDir: string, facts: ProbeFacts, now: number = Date.now(), cache: ProbeCacheName = "probes"): CachedProbe {
  const entry: CachedProbe = { at: now, facts: { load: [...facts.load] as [number, number, number], cores: facts.cores, diskFreeBytes: facts.diskFreeBytes } };
  writeJsonFile(probeFile(machine, stateDir, cache), entry);
  return entry;
}
