import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { machineRecord } from "../../test/helpers/sshd.ts";
import type { BuildMachine } from "../machines/types.ts";
import { MINIMUM_FREE_BYTES } from "../ssh/probe.ts";
import { healthProblem, rankBy, requirementMismatch, score } from "./ranking.ts";

const machine: BuildMachine = machineRecord({ name: "b1", systems: ["x86_64-linux", "i686-linux"], parallelBuilds: 2, features: ["kvm", "big"] });
const idle = { load: [0, 0, 0] as [number, number, number], cores: 4, diskFreeBytes: 10 * 1024 ** 3 };

describe("requirementMismatch", () => {
  it("accepts a listed system with a subset of the features", () => {
    assert.equal(requirementMismatch(machine, { system: "i686-linux", features: ["kvm"] }), null);
    assert.equal(requirementMismatch(machine, { system: "x86_64-linux", features: [] }), null);
  });

  it("says why a machine cannot serve", () => {
    assert.equal(requirementMismatch(machine, { system: "aarch64-linux", features: [] })?.reason, "other-systems");
    const missing = requirementMismatch(machine, { system: "x86_64-linux", features: ["kvm", "gpu"] });
    assert.equal(missing?.reason, "missing-features");
    assert.match(missing!.detail, /gpu/);
    assert.equal(requirementMismatch({ ...machine, parallelBuilds: 0 }, { system: "x86_64-linux", features: [] })?.reason, "no-slots-configured");
  });

  it("excludes a machine whose record has fields of the wrong type, before anything else", () => {
    const broken = { ...machine, port: Number.NaN, problems: ['field port should be a number, got "22"'] };
    const exclusion = requirementMismatch(broken, { system: "x86_64-linux", features: [] });
    assert.equal(exclusion?.reason, "invalid-record");
    assert.equal(exclusion?.detail, 'field port should be a number, got "22"');
  });
});

describe("load and health", () => {
  it("skips machines at or above the threshold, never when it is #f", () => {
    assert.equal(healthProblem(machine, { ...idle, load: [3.2, 0, 0] })?.reason, "overloaded");
    assert.equal(healthProblem(machine, { ...idle, load: [3.1, 0, 0] }), null);
    assert.equal(healthProblem({ ...machine, overloadThreshold: null }, { ...idle, load: [99, 0, 0] }), null);
    assert.equal(healthProblem({ ...machine, overloadThreshold: 0 }, idle)?.reason, "overloaded");
  });

  it("needs 100 MiB free", () => {
    assert.equal(healthProblem(machine, { ...idle, diskFreeBytes: MINIMUM_FREE_BYTES - 1 })?.reason, "low-disk");
    assert.equal(healthProblem(machine, { ...idle, diskFreeBytes: MINIMUM_FREE_BYTES }), null);
  });

  it("says how much is free in Guix's number->size style", () => {
    // The detail used to read "50.0 MiB free, needs 100 MiB".
    assert.equal(healthProblem(machine, { ...idle, diskFreeBytes: 50 * 1024 * 1024 })?.detail, "50 MiB free, needs 100 MiB");
  });

  it("uses the load Guix would: an unknown load counts as fully loaded", () => {
    assert.equal(healthProblem(machine, { ...idle, load: [Number.NaN, 0, 0] })?.reason, "overloaded");
  });
});

describe("score", () => {
  it("prefers an idle fast machine, and discounts load and used slots", () => {
    assert.equal(score({ ...machine, speed: 2 }, idle, 0), 2);
    assert.ok(score({ ...machine, speed: 2 }, idle, 0) > score(machine, idle, 0));
    assert.ok(score(machine, idle, 0) > score(machine, { ...idle, load: [2, 0, 0] }, 0));
    assert.ok(score(machine, idle, 0) > score(machine, idle, 1));
    assert.ok(score({ ...machine, speed: 4 }, { ...idle, load: [4, 0, 0] }, 1) > score(machine, idle, 0));
  });

  it("ranks by key, breaking ties at random", () => {
    assert.deepEqual(
      rankBy(["a", "b", "c"], (x) => ({ a: 1, b: 3, c: 2 })[x]!),
      ["b", "c", "a"],
    );
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(rankBy(["x", "y"], () => 1)[0]!);
    assert.equal(seen.size, 2);
  });
});
