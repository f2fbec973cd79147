/**
 * The pure part of machine selection: which machines can serve a job at all
 * (Guix's rule: the system is in `systems`, the required features are a
 * subset of `features`), which are healthy enough right now (normalized load
 * below `overload-threshold`, at least 100 MiB free), and how good each is.
 *
 * @example
 * import { requirementMismatch, healthProblem, score } from "./ranking.ts";
 * requirementMismatch(machine, { system: "x86_64-linux", features: [] }); // null when it matches
 */
import type { BuildMachine } from "../machines/types.ts";
import type { Exclusion } from "./errors.ts";
import type { ProbeFacts } from "./probe-cache.ts";

/** What a job asks of a machine. */
export interface Requirements {
  system: string;
  features: readonly string[];
}

/** Guix's `%minimum-disk-space`: machines with less free space are skipped. */
export const MINIMUM_DISK_SPACE = 100 * 1024 * 1024;

/**
 * Why the machine can never serve these requirements, or null if it can.
 *
 * @example
 * requirementMismatch({ ...machine, systems: ["aarch64-linux"] }, { system: "x86_64-linux", features: [] })?.reason;
 * // "other-systems"
 */
export function requirementMismatch(machine: BuildMachine, requirements: Requirements): Exclusion | null {
  const base = { machine: machine.name, port: machine.port };
  if (machine.problems.length > 0) return { ...base, reason: "invalid-record", detail: machine.problems.join("; ") };
  if (!machine.systems.includes(requirements.system)) {
    const systems = machine.systems.length === 0 ? "no systems" : machine.systems.join(", ");
    return { ...base, reason: "other-systems", detail: systems };
  }
  const missing = requirements.features.filter((feature) => !machine.features.includes(feature));
  if (missing.length > 0) return { ...base, reason: "missing-features", detail: `lacks ${missing.join(", ")}` };
  if (Math.floor(machine.parallelBuilds) < 1) return { ...base, reason: "no-slots-configured", detail: "" };
  return null;
}

/**
 * Guix's normalized load: the 1-minute load average divided by the number of
 * cores, capped at 1.
 *
 * @example
 * normalizedLoad({ load: [2, 1, 1], cores: 4, diskFreeBytes: 0 }); // 0.5
 */
export function normalizedLoad(facts: ProbeFacts): number {
  if (!(facts.cores > 0) || !Number.isFinite(facts.load[0])) return 1;
  return Math.min(1, Math.max(0, facts.load[0] / facts.cores));
}

/**
 * Why the machine should not take a job now (overloaded or low on disk), or null.
 *
 * @example
 * healthProblem({ ...machine, overloadThreshold: 0.8 }, { load: [3.9, 1, 1], cores: 4, diskFreeBytes: 1e10 })?.reason;
 * // "overloaded"
 */
export function healthProblem(machine: BuildMachine, facts: ProbeFacts): Exclusion | null {
  const base = { machine: machine.name, port: machine.port };
  const load = normalizedLoad(facts);
  if (machine.overloadThreshold !== null && load >= machine.overloadThreshold) {
    return { ...base, reason: "overloaded", detail: `normalized load ${load.toFixed(2)} >= ${machine.overloadThreshold}` };
  }
  if (facts.diskFreeBytes < MINIMUM_DISK_SPACE) {
    return { ...base, reason: "low-disk", detail: `${formatMiB(facts.diskFreeBytes)} free, needs 100 MiB` };
  }
  return null;
}

/**
 * How good the machine is for the next job: its speed, discounted by how busy
 * it is (normalized load plus the share of its slots in use). Higher is
 * better; an idle fast machine wins. This is Nix's load/speed idea applied to
 * Guix's fields (Guix sorts by speed alone).
 *
 * @example
 * score({ ...machine, speed: 2 }, idleFacts, 0); // 2
 * score({ ...machine, speed: 2 }, { ...idleFacts, load: [4, 4, 4], cores: 4 }, 0); // 1
 */
export function score(machine: BuildMachine, facts: ProbeFacts, slotsUsed: number): number {
  const occupancy = machine.parallelBuilds > 0 ? Math.min(1, slotsUsed / machine.parallelBuilds) : 1;
  const speed = Number.isFinite(machine.speed) && machine.speed > 0 ? machine.speed : 0;
  return speed / (1 + normalizedLoad(facts) + occupancy);
}

/**
 * `items` sorted by descending `key`, ties in random order (Guix shuffles
 * candidates so equal machines share the work).
 *
 * @example
 * rankBy(["a", "b"], (x) => (x === "b" ? 2 : 1)); // ["b", "a"]
 */
export function rankBy<T>(items: readonly T[], key: (item: T) => number, random: () => number = Math.random): T[] {
  return items
    .map((item) => ({ item, key: key(item), tie: random() }))
    .sort((a, b) => b.key - a.key || a.tie - b.tie)
    .map((entry) => entry.item);
}

/**
 * Bytes in the largest binary unit that keeps the number at least 1.
 *
 * @example
 * formatBytes(3 * 1024 ** 3); // "3.0 GiB"
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Bytes as MiB with one decimal.
 *
 * @example
 * formatMiB(50 * 1024 * 1024); // "50.0 MiB"
 */
export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
