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
import { isOverloaded, MINIMUM_FREE_BYTES, normalizedLoad } from "../ssh/probe.ts";
import { formatBytes } from "../ssh/units.ts";
import type { Exclusion } from "./errors.ts";
import type { ProbeFacts } from "./probe-cache.ts";

/** What a job asks of a machine. */
export interface Requirements {
  system: string;
  features: readonly string[];
}

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
 * Why the machine should not take a job now (overloaded or low on disk), or null.
 *
 * @example
 * healthProblem({ ...machine, overloadThreshold: 0.8 }, { load: [3.9, 1, 1], cores: 4, diskFreeBytes: 1e10 })?.reason;
 * // "overloaded"
 */
export function healthProblem(machine: BuildMachine, facts: ProbeFacts): Exclusion | null {
  const base = { machine: machine.name, port: machine.port };
  const load = normalizedLoad(facts);
  if (isOverloaded(load, machine.overloadThreshold)) {
    return { ...base, reason: "overloaded", detail: `normalized load ${load.toFixed(2)} >= ${machine.overloadThreshold}` };
  }
  if (facts.diskFreeBytes < MINIMUM_FREE_BYTES) {
    return { ...base, reason: "low-disk", detail: `${formatBytes(facts.diskFreeBytes)} free, needs ${formatBytes(MINIMUM_FREE_BYTES)}` };
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
