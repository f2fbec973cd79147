import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hookFarm, type HookFarm } from "../../../test/helpers/hook-farm.ts";
import { startSshd, type TestSshd } from "../../../test/helpers/sshd.ts";
import { hookConfig } from "./config.ts";
import { testGuix, type GuixCheckResult } from "./guix-checks.ts";

function byName(results: GuixCheckResult[]): Record<string, GuixCheckResult> {
  return Object.fromEntries(results.map((result) => [result.check, result]));
}

describe("Guix checks of offload test", () => {
  let farm: HookFarm;
  before(async () => {
    farm = await hookFarm(1);
  });
  after(() => farm.stop());
  const options = () => ({ connect: {}, timeoutMs: 30_000, config: hookConfig(farm.env) });

  it("pass on a machine with guix, its daemon reachable and keys authorized both ways", async () => {
    const results = await testGuix(farm.machines[0]!, options());
    assert.deepEqual(
      results.map((r) => r.check),
      ["guix-host-key", "guix", "store-space", "daemon", "keys"],
    );
    for (const result of results) assert.ok(result.ok, `${result.check}: ${result.message}`);
    const checks = byName(results);
    assert.match(checks["guix"]!.message, /^guix \(GNU Guix\) fake-for-tests/);
    assert.match(checks["daemon"]!.message, /protocol 1\.100 \(0x164\)/);
  });

  it("fail the key check when this host's ACL lacks the machine's key, and when the machine's lacks ours", async () => {
    const remote = farm.remotes[0]!;
    farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey]);
    try {
      const keys = byName(await testGuix(farm.machines[0]!, options()))["keys"]!;
      assert.equal(keys.ok, false);
      assert.match(keys.message, /^failed to import '.*-back' from '127\.0\.0\.1': unauthorized public key; here: guix archive --authorize/);
    } finally {
      farm.local.setAuthorizedKeys([farm.local.signingKey.publicKey, remote.signingKey.publicKey]);
    }
    remote.setAuthorizedKeys([remote.signingKey.publicKey]);
    try {
      const keys = byName(await testGuix(farm.machines[0]!, options()))["keys"]!;
      assert.equal(keys.ok, false);
      assert.match(keys.message, /was not properly imported on '127\.0\.0\.1': .*this host's signing key is not authorized on '127\.0\.0\.1'/);
    } finally {
      remote.setAuthorizedKeys([remote.signingKey.publicKey, farm.local.signingKey.publicKey]);
    }
  });

  it("fail on a machine without guix or without a daemon at its socket", async () => {
    const results = byName(
      await testGuix({ ...farm.machines[0]!, daemonSocket: "/nonexistent/socket" }, { ...options(), config: hookConfig({ ...farm.env }) }),
    );
    assert.equal(results["daemon"]!.ok, false);
    assert.match(results["daemon"]!.message, /\/nonexistent\/socket/);
    assert.equal(results["keys"], undefined, "no key check without a daemon");
  });

  describe("the host key Guix would be offered", () => {
    let server: TestSshd;
    before(async () => {
      server = await startSshd({ hostKeyTypes: ["rsa", "ed25519", "ecdsa"] });
    });
    after(() => server.stop());

    it("is the server's Ed25519 key, whatever key is pinned", async () => {
      const [rsa, ed25519, ecdsa] = server.hostKeys;
      const check = async (pinned: string): Promise<GuixCheckResult> => (await testGuix(server.machine({ hostKey: pinned }), options()))[0]!;
      assert.equal((await check(ed25519!.publicLine)).ok, true);
      const pinnedRsa = await check(rsa!.publicLine);
      assert.equal(pinnedRsa.ok, false);
      assert.match(pinnedRsa.message, /^Guix would be offered ssh-ed25519 SHA256:.* not the pinned ssh-rsa key; pin "ssh-ed25519 AAAA/);
      const pinnedEcdsa = await check(ecdsa!.publicLine);
      assert.equal(pinnedEcdsa.ok, false);
      assert.match(pinnedEcdsa.message, /can never match/);
    });
  });
});
