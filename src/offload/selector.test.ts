import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { offloadFarm, type OffloadFarm } from "../../test/helpers/farm.ts";
import { freePort, localSystem } from "../../test/helpers/sshd.ts";
import type { BuildMachine } from "../machines/types.ts";
import { readBackoff, recordFailure } from "./backoff.ts";
import { SessionPool } from "../ssh/pool.ts";
import { NoMachineError, OffloadError } from "./errors.ts";
import { readProbe } from "./probe-cache.ts";
import { machineKey } from "../ssh/machine-key.ts";
import { MachineSelector } from "./selector.ts";
import { slotsInUse } from "./slots.ts";

const system = localSystem();
const plain = { system, features: [] as string[] };

describe("machine selection against real servers", () => {
  let farm: OffloadFarm;
  let connections: SessionPool;
  before(async () => {
    // speed 1, 3, 2; the fastest has a feature the others lack.
    farm = await offloadFarm(3, { parallelBuilds: 1 }, (i) => ({ speed: [1, 3, 2][i]!, features: i === 1 ? ["kvm"] : [] }));
    connections = new SessionPool({ timeoutMs: 5_000 });
  });
  after(async () => {
    connections.closeAll();
    await farm.stop();
  });

  const selectorFor = (machines: BuildMachine[], stateDir = farm.stateDir): MachineSelector => new MachineSelector(machines, { stateDir, connections });

  it("chooses the fastest idle machine and caches its probe", async () => {
    const choice = await selectorFor(farm.machines).acquire(plain);
    try {
      assert.equal(choice.machine.port, farm.machines[1]!.port);
      assert.ok(readProbe(choice.machine, farm.stateDir) !== null);
      assert.equal(slotsInUse(choice.machine, farm.stateDir), 1);
    } finally {
      choice.slot.release();
    }
  });

  it("filters by system and features (Guix's rule)", async () => {
    const selector = selectorFor(farm.machines);
    const kvm = await selector.acquire({ system, features: ["kvm"] });
    assert.equal(kvm.machine.port, farm.machines[1]!.port);
    kvm.slot.release();
    await assert.rejects(selector.acquire({ system, features: ["kvm", "gpu"] }), (error: unknown) => {
      assert.ok(error instanceof NoMachineError);
      assert.match(error.message, new RegExp(`no machine for system ${system} with features kvm, gpu`));
      assert.equal(error.exclusions.length, 3);
      assert.ok(error.exclusions.every((e) => e.reason === "missing-features"));
      return true;
    });
    await assert.rejects(selector.acquire({ system: "mips64el-linux", features: [] }), /other systems/);
  });

  it("takes the next machine when the best one is busy, and waits when all are", async () => {
    const selector = selectorFor(farm.machines);
    const held = [await selector.acquire(plain), await selector.acquire(plain)];
    assert.deepEqual(
      held.map((c) => c.machine.speed),
      [3, 2],
    );
    const third = await selector.acquire(plain);
    assert.equal(third.machine.speed, 1);
    await assert.rejects(
      selector.acquire(plain, { waitMs: 150 }),
      (error: unknown) => error instanceof OffloadError && error.code === "wait-timeout" && /no free slot/.test(error.message),
    );
    const waiting = selector.acquire(plain, { waitMs: 10_000 });
    setTimeout(() => held[0]!.slot.release(), 100);
    const freed = await waiting;
    assert.equal(freed.machine.speed, 3);
    assert.ok(freed.waitedMs >= 50);
    for (const choice of [freed, held[1]!, third]) choice.slot.release();
  });

  it("excludes overloaded machines unless the threshold is #f", async () => {
    const machines = [
      { ...farm.machines[1]!, overloadThreshold: 0 },
      { ...farm.machines[0]!, overloadThreshold: null },
    ];
    const assessments = await selectorFor(machines).assess(plain, { waitForAllProbes: true });
    assert.equal(assessments[0]!.exclusion?.reason, "overloaded");
    assert.equal(assessments[1]!.exclusion, null);
  });

  it("skips an unreachable machine, backs it off, and then does not try it again", async () => {
    const dead: BuildMachine = { ...farm.machines[0]!, port: await freePort(), speed: 100 };
    const stateDir = `${farm.stateDir}-dead`;
    const selector = selectorFor([dead, farm.machines[2]!], stateDir);
    const choice = await selector.acquire(plain);
    choice.slot.release();
    assert.equal(choice.machine.port, farm.machines[2]!.port);
    const backoff = readBackoff(dead, stateDir);
    assert.equal(backoff?.failures, 1);
    assert.match(backoff!.lastError, /refused/);
    const again = await selector.assess(plain);
    assert.equal(again[0]!.exclusion?.reason, "backing-off");
    assert.equal(readBackoff(dead, stateDir)?.failures, 1, "no new connection attempt while backing off");
  });

  it("waits for a machine whose back-off ends soon, not for one that keeps failing", async () => {
    const machine = farm.machines[2]!;
    const soon = `${farm.stateDir}-soon`;
    // Its one failure was recorded 9.5 s ago: half a second of back-off left.
    recordFailure(machine, soon, "connection lost", Date.now() - 9_500);
    const choice = await selectorFor([machine], soon).acquire(plain, { waitMs: 20_000 });
    choice.slot.release();
    assert.equal(choice.machine.port, machine.port);
    assert.ok(choice.waitedMs > 0);

    const failing = `${farm.stateDir}-failing`;
    for (let i = 0; i < 3; i++) recordFailure(machine, failing, "connection refused");
    const error = await selectorFor([machine], failing)
      .acquire(plain, { waitMs: 20_000 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof NoMachineError, String(error));
    assert.match(error.message, /backing off/);
  });

  it("lists why every machine was excluded", async () => {
    const dead: BuildMachine = { ...farm.machines[0]!, port: await freePort() };
    const selector = selectorFor(
      [dead, { ...farm.machines[1]!, overloadThreshold: 0 }, { ...farm.machines[2]!, systems: ["aarch64-linux"] }],
      `${farm.stateDir}-why`,
    );
    const error = await selector.acquire(plain, { waitMs: 0 }).catch((e: unknown) => e);
    assert.ok(error instanceof OffloadError);
    for (const reason of ["unreachable", "overloaded", "other systems"]) assert.match(error.message, new RegExp(reason));
    assert.match(error.message, new RegExp(machineKey(dead)));
  });
});
