/**
 * The pure part of machine selection: which machines can serve a job at all
 * (Guix's rule: the system is in `systems`, the required features are a
 * subset of `features`), which are healthy enough right now (normalized load
 * below `overload-threshold`, at least 100 MiB free), and how good each is.
 *
 * @example
 * import { requirementMismatch, healthProblem, score } from "./ranking.ts";
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, systems: ["x86_64-linux"], features: ["kvm"], parallelBuilds: 2, speed: 1, overloadThreshold: 0.8, problems: [],
 * } as unknown as BuildMachine;
 * requirementMismatch(machine, { system: "x86_64-linux", features: ["kvm"] }); // null
 * healthProblem(machine, { load: [1, 1, 1], cores: 4, diskFreeBytes: 10e9 }); // null
 * score(machine, { load: [1, 1, 1], cores: 4, diskFreeBytes: 10e9 }, 0); // 0.8
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
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, systems: ["x86_64-linux"], features: ["kvm"], parallelBuilds: 2, speed: 1, overloadThreshold: 0.8, problems: [],
 * } as unknown as BuildMachine;
 * requirementMismatch(machine, { system: "aarch64-linux", features: [] }); // { reason: "other-systems", detail: "x86_64-linux" }
 * requirementMismatch(machine, { system: "x86_64-linux", features: ["kvm", "big-memory"] });
 * // { reason: "missing-features", detail: "lacks big-memory" }
 * requirementMismatch({ ...machine, parallelBuilds: 0 }, { system: "x86_64-linux", features: [] })?.reason; // "no-slots-configured"
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
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, systems: ["x86_64-linux"], features: ["kvm"], parallelBuilds: 2, speed: 1, overloadThreshold: 0.8, problems: [],
 * } as unknown as BuildMachine;
 * healthProblem(machine, { load: [3.9, 1, 1], cores: 4, diskFreeBytes: 1e10 }); // { reason: "overloaded", detail: "normalized load 0.97 >= 0.8" }
 * healthProblem(machine, { load: [0, 0, 0], cores: 4, diskFreeBytes: 50 << 20 }); // { reason: "low-disk", detail: "50 MiB free, needs 100 MiB" }
 * // overload-threshold #f turns the load check off
 * healthProblem({ ...machine, overloadThreshold: null }, { load: [3.9, 1, 1], cores: 4, diskFreeBytes: 1e10 }); // null
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
 * import type { BuildMachine } from "../machines/types.ts";
 * const machine = {
 *   name: "build1", port: 22, systems: ["x86_64-linux"], features: ["kvm"], parallelBuilds: 2, speed: 1, overloadThreshold: 0.8, problems: [],
 * } as unknown as BuildMachine;
 * const idle = { load: [0, 0, 0], cores: 4, diskFreeBytes: 1e10 } as const;
 * score({ ...machine, speed: 2 }, idle, 0); // 2
 * score({ ...machine, speed: 2 }, { ...idle, load: [4, 4, 4] }, 0); // 1
 * // one of its two slots taken
 * score({ ...machine, speed: 2 }, idle, 1); // 1.3333333333333333
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
 * // equal keys: the random numbers decide
 * const draws = [0.5, 0.1, 0.9];
 * rankBy(["a", "b", "c"], () => 1, () => draws.shift()!); // ["b", "a", "c"]
 */
export function rankBy<T>(items: readonly T[], key: (item: T) => number, random: () => number = Math.random): T[] {
  return items
    .map((item) => ({ item, key: key(item), tie: random() }))
    .sort((a, b) => b.key - a.key || a.tie - b.tie)
    .map((entry) => entry.item);
}
