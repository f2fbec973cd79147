import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { offloadFarm, type OffloadFarm } from "../../test/helpers/farm.ts";
import { freePort } from "../../test/helpers/sshd.ts";
import { Connections, JOBS_PER_CONNECTION, laneOf } from "./connections.ts";

describe("connections", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1, { parallelBuilds: 8 });
  });
  after(() => farm.stop());

  it("maps slots to lanes", () => {
    assert.equal(laneOf(0), 0);
    assert.equal(laneOf(JOBS_PER_CONNECTION - 1), 0);
    assert.equal(laneOf(JOBS_PER_CONNECTION), 1);
  });

  it("reuses one session per lane and reconnects after a loss", async () => {
    const connections = new Connections({ timeoutMs: 5_000 });
    try {
      const machine = farm.machines[0]!;
      const [a, b] = await Promise.all([connections.get(machine, 0), connections.get(machine, 1)]);
      assert.equal(a, b);
      const other = await connections.get(machine, JOBS_PER_CONNECTION);
      assert.notEqual(other, a);
      farm.servers[0]!.killSessions();
      await new Promise<void>((resolve) => a.onClose(() => resolve()));
      const fresh = await connections.get(machine, 0);
      assert.notEqual(fresh, a);
      assert.equal((await fresh.output(["echo", "ok"])).trim(), "ok");
    } finally {
      connections.closeAll();
    }
  });

  it("does not cache a failed connect", async () => {
    const connections = new Connections({ timeoutMs: 5_000 });
    const dead = { ...farm.machines[0]!, port: await freePort() };
    await assert.rejects(connections.get(dead), { code: "refused" });
    await assert.rejects(connections.get(dead), { code: "refused" });
    connections.closeAll();
  });
});
