import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { runCli } from "../helpers/cli.ts";
import { freePort, localSystem, writeMachinesFile } from "../helpers/sshd.ts";
import { tryAcquireSlot } from "../../src/offload/slots.ts";

const system = localSystem();

interface SelectJson {
  system: string;
  features: string[];
  chosen: { name: string; port: number } | null;
  machines: Array<{
    name: string;
    port: number;
    chosen: boolean;
    eligible: boolean;
    reason: string | null;
    detail: string | null;
    score: number | null;
    "slots-in-use": number;
    "normalized-load": number | null;
  }>;
}

describe("offload select", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(2, { parallelBuilds: 1 }, (i) => ({ speed: i === 0 ? 1 : 2, features: i === 0 ? ["kvm"] : [] }));
  });
  after(() => farm.stop());

  const select = (args: string[], machinesFile = farm.machinesFile) =>
    runCli(["select", "--machines", machinesFile, "--state-dir", farm.stateDir, "--system", system, ...args], { cwd: farm.workDir });

  it("names the machine a job would go to, and why the others would not", async () => {
    const result = await select([]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${farm.machines[1]!.port} would run a job for system ${system}`));
    assert.match(result.stdout, /lower score/);
    const kvm = await select(["--features", "kvm"]);
    assert.match(kvm.stdout, new RegExp(`127\\.0\\.0\\.1:${farm.machines[0]!.port} would run`));
    assert.match(kvm.stdout, /missing features \(lacks kvm\)/);
  });

  it("prints JSON with every machine's verdict", async () => {
    const result = await select(["--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as SelectJson;
    assert.equal(report.system, system);
    assert.deepEqual(report.chosen, { name: "127.0.0.1", port: farm.machines[1]!.port });
    assert.equal(report.machines.length, 2);
    assert.ok(report.machines.every((m) => m.eligible && m.score !== null && m["normalized-load"] !== null));
  });

  it("exits 1 and lists reasons when no machine can take the job", async () => {
    const result = await select(["--features", "kvm,gpu"]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`no machine for system ${system} with features kvm, gpu`));
    assert.match(result.stdout, /lacks gpu/);
  });

  it("reports busy, unreachable and overloaded machines", async () => {
    const file = join(farm.workDir, "mixed.scm");
    const dead = { ...farm.machines[0]!, port: await freePort() };
    writeMachinesFile(file, [dead, { ...farm.machines[1]!, overloadThreshold: 0 }, farm.machines[0]!]);
    const slot = await tryAcquireSlot(farm.machines[0]!, farm.stateDir);
    try {
      const result = await select(["--json"], file);
      assert.equal(result.code, 1);
      const report = JSON.parse(result.stdout) as SelectJson;
      assert.deepEqual(
        report.machines.map((m) => m.reason),
        ["unreachable", "overloaded", "busy"],
      );
      assert.equal(report.machines[2]!["slots-in-use"], 1);
      const again = await select([], file);
      assert.match(again.stdout, /unreachable recently, backing off/);
      assert.match(again.stdout, /no free slot/);
    } finally {
      slot?.release();
    }
  });

  it("fails clearly on a missing machines file", async () => {
    const result = await select([], join(farm.workDir, "nope.scm"));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /nope\.scm/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  });
});
