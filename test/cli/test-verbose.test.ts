/** `offload test --verbose` says how each connection encrypts: the cipher and the crypto path. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nativeCryptoAvailable } from "../../src/ssh/crypto-path.ts";
import { offloadFarm, type OffloadFarm } from "../helpers/farm.ts";
import { runCli } from "../helpers/cli.ts";

describe("offload test --verbose", () => {
  let farm: OffloadFarm;
  before(async () => {
    farm = await offloadFarm(1);
  });
  after(() => farm.stop());

  it("names the cipher and whether the native binding or the JavaScript path encrypts", async () => {
    const result = await runCli(["test", "--verbose", "--no-guix", "--state-dir", farm.stateDir, farm.machinesFile]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const path = nativeCryptoAvailable() ? "ssh2's native crypto binding" : "ssh2's JavaScript crypto path \\(no native binding\\)";
    assert.match(
      result.stdout,
      new RegExp(`^  crypto +cipher (aes128-gcm@openssh\\.com|aes256-gcm@openssh\\.com|chacha20-poly1305@openssh\\.com|aes\\d+-ctr), ${path}$`, "m"),
    );
    const quiet = await runCli(["test", "--no-guix", "--state-dir", farm.stateDir, farm.machinesFile]);
    assert.doesNotMatch(quiet.stdout, /crypto/);
  });
});
