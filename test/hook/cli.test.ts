/**
 * `offload test --guix` and `offload status --guix` against the hook farm's
 * machines (test daemons behind real sshd servers).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.ts";
import { hookFarm, type HookFarm } from "../helpers/hook-farm.ts";

describe("Guix-aware offload test and status", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());

  it("offload test --guix passes when everything the hook needs is there", async () => {
    const result = await runCli(["test", "--guix", "--transfer-size", "1024", farm.machinesFile], { env: farm.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    for (const check of ["guix-host-key", "guix", "store-space", "daemon", "keys"]) assert.match(result.stdout, new RegExp(`✓ ${check} `), check);
  });

  it("offload test --guix fails, saying why, when this host's ACL lacks the machine's key", async () => {
    farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey]);
    try {
      const result = await runCli(["test", "--guix", "--transfer-size", "1024", farm.machinesFile], { env: farm.env });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✗ keys +failed to import '.*' from '127\.0\.0\.1': unauthorized public key; here: guix archive --authorize/);
    } finally {
      farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey, farm.remotes[0]!.signingKey.publicKey]);
    }
  });

  it("offload status --guix shows the store's free space, the daemon's protocol and the builds", async () => {
    const result = await runCli(["status", "--guix", "--json", farm.machinesFile], { env: farm.env });
    assert.equal(result.code, 0, result.stderr);
    const [entry] = (
      JSON.parse(result.stdout) as { machines: Array<{ guix?: { "daemon-protocol": string | null; "store-free-bytes": number | null; builds: unknown[] } }> }
    ).machines;
    assert.equal(entry?.guix?.["daemon-protocol"], "1.100");
    assert.ok((entry?.guix?.["store-free-bytes"] ?? 0) > 0);
    assert.deepEqual(entry?.guix?.builds, []);
    const table = await runCli(["status", "--guix", farm.machinesFile], { env: farm.env });
    assert.match(table.stdout, /STORE FREE +DAEMON +BUILDS/);
  });

  it("leaves the Guix checks out on a host without guix-daemon", async () => {
    const env = { ...farm.env, GUIX_DAEMON_SOCKET: "/nonexistent/daemon-socket" };
    const result = await runCli(["test", "--transfer-size", "1024", farm.machinesFile], { env });
    assert.equal(result.code, 0, result.stdout);
    assert.doesNotMatch(result.stdout, /keys/);
  });
});
