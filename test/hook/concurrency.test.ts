/**
 * Ten builds asked at once, as a daemon worker asks them (one request at a
 * time, accepted builds running side by side), against two machines with
 * two slots each: never more builds on a machine than its slots, and every
 * build succeeds.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hookFarm, type HookFarm } from "../helpers/hook-farm.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** The largest number of builds running at once per build directory (= per machine), from the builders' own log. */
function peakPerMachine(log: string): Map<string, number> {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const line of log.split("\n").filter((l) => l !== "")) {
    const [event, where] = line.split(" ") as [string, string];
    const machine = where.replace(/\/guix-build-.*$/, "");
    const now = (running.get(machine) ?? 0) + (event === "start" ? 1 : -1);
    running.set(machine, now);
    peak.set(machine, Math.max(peak.get(machine) ?? 0, now));
  }
  return peak;
}

describe("ten builds at once on two machines with two slots each", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(2, { parallelBuilds: 2 });
  });
  after(() => farm.stop());

  it("never runs more builds on a machine than its slots, and builds them all", async () => {
    const log = join(tempDir("offload-concurrency-"), "builds.log");
    writeFileSync(log, "");
    // Each build says where it runs (its build directory is under its daemon's), and the first
    // ones wait until a fifth has started, at most 6 s: had the slots been ignored, the fifth
    // would start while they wait.
    const barrier = `n=0; while [ "$(/bin/grep -c '^start' ${log})" -lt 5 ] && [ $n -lt 120 ]; do /bin/sleep 0.05; n=$((n+1)); done`;
    const script = `echo "start $NIX_BUILD_TOP" >> ${log}; ${barrier}; echo "end $NIX_BUILD_TOP" >> ${log}; echo "$name" > $out`;
    const drvs = await Promise.all(Array.from({ length: 10 }, (_, i) => farm.derivation(`parallel-${i}`, script)));
    const driver = farm.driver({ pollIntervalMs: 5_000, maxWaitMs: 300_000 });
    const results = await Promise.all(drvs.map((drv) => driver.build(drv)));
    assert.deepEqual(
      results.map((result) => result.outcome),
      Array(10).fill("built"),
    );
    const peak = peakPerMachine(readFileSync(log, "utf8"));
    assert.equal(peak.size, 2, "both machines were used");
    for (const [machine, count] of peak) assert.equal(count, 2, `${count} builds at once under ${machine}`);
  });
});
