import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hookFarm, type HookFarm } from "../../../test/helpers/hook-farm.ts";
import { hookConfig } from "./config.ts";
import { guixStatus } from "./guix-status.ts";
import { SessionPool } from "../../ssh/pool.ts";
import { LinkCache } from "./machine-link.ts";
import { recordRunningBuild } from "./running-builds.ts";

describe("Guix status of a build machine", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());

  it("gives the store's free space, the daemon's protocol and this host's builds there", async () => {
    const links = new LinkCache(new SessionPool());
    const machine = farm.machines[0]!;
    const done = recordRunningBuild(farm.stateDir, machine, `${farm.storeDir}/abc-x.drv`);
    try {
      const status = await guixStatus(machine, { links, timeoutMs: 15_000, config: hookConfig(farm.env), stateDir: farm.stateDir });
      assert.equal(status.error, null);
      assert.equal(status.daemonProtocol, "1.100");
      assert.ok(status.storeFreeBytes !== null && status.storeFreeBytes > 0);
      assert.deepEqual(
        status.builds.map((build) => build.drvPath),
        [`${farm.storeDir}/abc-x.drv`],
      );
    } finally {
      done();
      links.closeAll();
    }
  });

  it("says why when the daemon does not answer", async () => {
    const links = new LinkCache(new SessionPool());
    const status = await guixStatus(
      { ...farm.machines[0]!, daemonSocket: "/nonexistent/socket" },
      { links, timeoutMs: 15_000, config: hookConfig(farm.env), stateDir: farm.stateDir },
    );
    assert.equal(status.daemonProtocol, null);
    assert.match(status.error ?? "", /\/nonexistent\/socket/);
    links.closeAll();
  });
});
