/**
 * Connection holders across hook processes: guix-daemon starts a hook per
 * build, and each one used to pay an SSH handshake. Through the machine's
 * connection holder, which the first hook starts and later ones attach to,
 * builds from several hook processes share one SSH connection;
 * OFFLOAD_HOOK_PERSIST=0 (the daemon passes the hook no options) turns that
 * off, and every hook connects by itself.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hookFarm, type HookFarm } from "../helpers/hook-farm.ts";
import type { TestSshd } from "../helpers/sshd.ts";

/** SSH connections the server has accepted so far. */
const accepted = (server: TestSshd): number => server.log().match(/Accepted publickey/g)?.length ?? 0;

describe("connection holders across hook processes", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());

  /** Build `count` fresh derivations one after the other, each by a new hook process. */
  async function buildSeveral(label: string, count: number, env: NodeJS.ProcessEnv): Promise<void> {
    for (let i = 0; i < count; i++) {
      const drv = await farm.derivation(`${label}-${i}`, `echo ${label}-${i} > $out`);
      const result = await farm.driver({ env }).build(drv);
      assert.equal(result.outcome, "built", JSON.stringify(result));
    }
  }

  it("without holders (OFFLOAD_HOOK_PERSIST=0), every hook process connects by itself", async () => {
    const before = accepted(farm.servers[0]!);
    await buildSeveral("unheld", 3, { ...farm.env, OFFLOAD_HOOK_PERSIST: "0" });
    assert.equal(accepted(farm.servers[0]!) - before, 3);
  });

  it("by default, hook processes one after the other share one SSH connection: the holder's", async () => {
    const before = accepted(farm.servers[0]!);
    await buildSeveral("held", 3, farm.env);
    assert.equal(accepted(farm.servers[0]!) - before, 1);
  });
});
